//! The coded frame inside a packet, without its framing (sidecar version 3).
//!
//! The same coded audio or video is framed differently by different
//! containers: AAC in MPEG-TS carries a 7- or 9-byte ADTS header on every
//! frame, in MP4 and Matroska none; H.264 and HEVC in MPEG-TS are Annex B
//! (start codes, access-unit delimiters, parameter sets repeated in band),
//! in MP4 and Matroska length-prefixed NAL units with the parameter sets in
//! the stream's header. A packet is hashed in one canonical form so that a
//! stream-copy remux between them leaves every hash as sealed:
//!
//! - AAC: a packet that is exactly one ADTS frame (sync word, a length field
//!   equal to the packet's length, one raw data block) is hashed without its
//!   header; any other packet as it is.
//! - H.264 and HEVC: the packet is split into NAL units (4-byte
//!   length-prefixed when the lengths tile the packet exactly, else at
//!   Annex B start codes, else not at all: hashed as it is); each NAL unit
//!   other than parameter sets, access-unit delimiters, SEI, end-of-sequence
//!   and filler goes into the hash as a 4-byte big-endian length and its
//!   bytes.
//!
//! Written by hand: the few lines of framing needed here are not what the
//! H.264 parsing crates offer (they parse NAL contents, for H.264 only), and
//! this must be a bounded single pass that never fails on hostile bytes: any
//! byte string has exactly one canonical form, found in linear time.

use sha2::{Digest as _, Sha256};

/// How a stream's packets are normalised before hashing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Hashed as demuxed.
    Raw,
    /// AAC: ADTS headers dropped.
    Aac,
    /// H.264 NAL units.
    H264,
    /// HEVC NAL units.
    Hevc,
}

impl Framing {
    /// The normalisation for a codec (FFmpeg's name).
    pub fn of(codec: &str) -> Framing {
        match codec {
            "aac" => Framing::Aac,
            "h264" => Framing::H264,
            "hevc" => Framing::Hevc,
            _ => Framing::Raw,
        }
    }

    /// The SHA-256 of a packet in its canonical form.
    pub fn hash(self, payload: &[u8]) -> [u8; 32] {
        match self {
            Framing::Raw => Sha256::digest(payload).into(),
            Framing::Aac => Sha256::digest(adts_payload(payload)).into(),
            Framing::H264 | Framing::Hevc => {
                let mut h = Sha256::new();
                match nal_units(payload) {
                    Some(nals) => {
                        for nal in nals.into_iter().filter(|n| self.keeps(n)) {
                            // A NAL unit is shorter than its packet, which FFmpeg
                            // bounds far below 4 GiB.
                            h.update(u32::try_from(nal.len()).unwrap_or(u32::MAX).to_be_bytes());
                            h.update(nal);
                        }
                    }
                    None => h.update(payload),
                }
                h.finalize().into()
            }
        }
    }

    /// Whether a NAL unit is coded picture data (kept in the hash).
    fn keeps(self, nal: &[u8]) -> bool {
        let Some(&b0) = nal.first() else {
            return false;
        };
        match self {
            // 6 SEI, 7 SPS, 8 PPS, 9 AUD, 10/11 end of sequence/stream, 12 filler.
            Framing::H264 => !matches!(b0 & 0x1f, 6..=12),
            // 32 VPS, 33 SPS, 34 PPS, 35 AUD, 36/37 EOS/EOB, 38 filler, 39/40 SEI.
            Framing::Hevc => !matches!((b0 >> 1) & 0x3f, 32..=40),
            _ => true,
        }
    }
}

/// The raw AAC frame of a packet that is exactly one ADTS frame, else the
/// packet.
fn adts_payload(p: &[u8]) -> &[u8] {
    if p.len() < 7 || p[0] != 0xff || p[1] & 0xf6 != 0xf0 {
        return p;
    }
    let protection_absent = p[1] & 1 == 1;
    let frame_length =
        (usize::from(p[3] & 0x03) << 11) | (usize::from(p[4]) << 3) | usize::from(p[5] >> 5);
    let blocks = p[6] & 0x03;
    let header = if protection_absent { 7 } else { 9 };
    if frame_length != p.len() || blocks != 0 || frame_length <= header {
        return p;
    }
    &p[header..]
}

/// The NAL units of a packet: 4-byte length-prefixed if that tiles it
/// exactly, else Annex B if it starts with a start code; `None` otherwise.
fn nal_units(p: &[u8]) -> Option<Vec<&[u8]>> {
    length_prefixed(p).or_else(|| annex_b(p))
}

fn length_prefixed(p: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut rest = p;
    while !rest.is_empty() {
        let (len, tail) = rest.split_first_chunk::<4>()?;
        let n = usize::try_from(u32::from_be_bytes(*len)).ok()?;
        if n == 0 || n > tail.len() {
            return None;
        }
        out.push(&tail[..n]);
        rest = &tail[n..];
    }
    (!out.is_empty()).then_some(out)
}

fn annex_b(p: &[u8]) -> Option<Vec<&[u8]>> {
    // Positions just after each 00 00 01.
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 3 <= p.len() {
        if p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1 {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    // Only zero bytes may come before the first start code.
    let first = *starts.first()?;
    if p[..first - 3].iter().any(|&b| b != 0) {
        return None;
    }
    let mut out = Vec::with_capacity(starts.len());
    for (k, &s) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(p.len(), |&n| n - 3);
        let mut nal = &p[s..end];
        // Zero bytes before the next start code (a 4-byte start code,
        // trailing_zero_8bits) are not part of the NAL unit.
        while let Some((&0, head)) = nal.split_last() {
            nal = head;
        }
        if !nal.is_empty() {
            out.push(nal);
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn avcc(nals: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for n in nals {
            out.extend((n.len() as u32).to_be_bytes());
            out.extend_from_slice(n);
        }
        out
    }

    fn annexb(nals: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for n in nals {
            out.extend([0, 0, 0, 1]);
            out.extend_from_slice(n);
        }
        out
    }

    #[test]
    fn annex_b_with_parameter_sets_hashes_as_length_prefixed() {
        let sps: &[u8] = &[0x67, 0x64, 0x00, 0x1f];
        let pps: &[u8] = &[0x68, 0xee, 0x3c, 0x80];
        let aud: &[u8] = &[0x09, 0xf0];
        let idr: &[u8] = &[0x65, 0x88, 0x84, 0x00, 0x21];
        let f = Framing::H264;
        let mp4 = avcc(&[idr]);
        let ts = annexb(&[aud, sps, pps, idr]);
        assert_eq!(f.hash(&mp4), f.hash(&ts));
        // In-band parameter sets in a length-prefixed packet (concat).
        assert_eq!(f.hash(&mp4), f.hash(&avcc(&[sps, pps, idr])));
        // A 3-byte start code and trailing zeros.
        let mut short = vec![0, 0, 1];
        short.extend_from_slice(idr);
        short.extend([0, 0]);
        assert_eq!(f.hash(&mp4), f.hash(&short));
        // A changed slice is still a change.
        let other: &[u8] = &[0x65, 0x88, 0x84, 0x00, 0x22];
        assert_ne!(f.hash(&mp4), f.hash(&avcc(&[other])));
    }

    #[test]
    fn adts_headers_are_dropped_only_from_whole_adts_frames() {
        let raw = [0x21u8, 0x10, 0x05, 0x40];
        let len = 7 + raw.len();
        let mut adts = vec![
            0xff,
            0xf1,
            0x50,
            0x80 | ((len >> 11) as u8 & 3),
            (len >> 3) as u8,
            ((len & 7) as u8) << 5 | 0x1f,
            0xfc,
        ];
        adts.extend_from_slice(&raw);
        let f = Framing::Aac;
        assert_eq!(f.hash(&adts), f.hash(&raw));
        // A wrong length field: not an ADTS frame, hashed as it is.
        let mut bad = adts.clone();
        bad[4] ^= 0x08;
        assert_eq!(f.hash(&bad), Framing::Raw.hash(&bad));
    }

    #[test]
    fn hostile_bytes_never_panic() {
        let mut x = 1u32;
        for n in 0..300 {
            let p: Vec<u8> = (0..n)
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    [0u8, 0, 1, 0xff, 0xf1, (x >> 16) as u8][(x >> 8) as usize % 6]
                })
                .collect();
            for f in [Framing::Aac, Framing::H264, Framing::Hevc] {
                let _ = f.hash(&p);
            }
        }
    }
}
