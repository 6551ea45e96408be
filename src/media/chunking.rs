//! Content-defined chunks of a PCM stream's sample bytes (sidecar version 3).
//!
//! FFmpeg's WAV reader cuts the samples into fixed-size packets counted from
//! the start of the data, so a cut or an insertion of any length that is not
//! a multiple of the packet size leaves no packet after it byte-identical to
//! a sealed one. Chunks whose ends are chosen by the content (FastCDC's
//! rolling gear hash, the `fastcdc` crate, pinned) do not depend on where
//! the file starts: an edit disturbs only the chunks around it and every
//! chunk after it is found again.
//!
//! The chunker is fed the packets' bytes in order and cuts the joined byte
//! stream, so the chunks do not depend on how the container packetised it.
//! Each cut point FastCDC chooses is moved forward to the next whole sample
//! frame (a multiple of [`ChunkParams::align`] bytes from the chunk's
//! start), so every chunk starts on a sample frame and has a sample-exact
//! time.

use fastcdc::v2020::{self, Normalization};

pub use crate::format::windows::ChunkParams;

/// The target length of a chunk in seconds of audio: the precision to which
/// an edit's edges are placed, against the sidecar's size (about 11 bytes
/// per chunk).
pub const CHUNK_SECONDS: f64 = 0.016;

/// Bytes per sample of a PCM codec whose samples are stored interleaved and
/// byte for byte (`pcm_s16le`, `pcm_f32be`, `pcm_alaw`, …), by FFmpeg codec
/// name; `None` for anything else (planar or packed-in-blocks PCM included).
pub fn pcm_sample_bytes(codec: &str) -> Option<usize> {
    if codec == "pcm_alaw" || codec == "pcm_mulaw" {
        return Some(1);
    }
    let rest = codec.strip_prefix("pcm_")?;
    let rest = rest.strip_prefix(['s', 'u', 'f'])?;
    let digits = rest
        .strip_suffix("le")
        .or_else(|| rest.strip_suffix("be"))
        .unwrap_or(rest);
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match digits.parse::<usize>().ok()? {
        8 if digits.len() == rest.len() => Some(1),
        bits @ (16 | 24 | 32 | 64) if digits.len() + 2 == rest.len() => Some(bits / 8),
        _ => None,
    }
}

/// The chunk parameters for a PCM stream of `rate` frames per second of
/// `align` bytes each (channels × bytes per sample): chunks of about
/// [`CHUNK_SECONDS`] or a little less, at least a quarter and at most four times that.
/// `None` when the stream's figures are out of what FastCDC handles.
pub fn params(rate: u32, align: usize) -> Option<ChunkParams> {
    if rate == 0 || align == 0 || align > 4096 {
        return None;
    }
    let byte_rate = f64::from(rate) * align as f64;
    let target = (byte_rate * CHUNK_SECONDS).max(1.0);
    // FastCDC's masks are by powers of two: the largest not above the
    // target, in its range.
    let avg = 2f64
        .powi(target.log2().floor() as i32)
        .clamp(v2020::AVERAGE_MIN as f64, (1 << 20) as f64) as usize;
    // Multiples of the frame and even (FastCDC steps two bytes at a time).
    let unit = if align.is_multiple_of(2) {
        align
    } else {
        align * 2
    };
    let min = (avg / 4 / unit * unit).max(v2020::MINIMUM_MIN.div_ceil(unit) * unit);
    let max = (avg * 4 / unit * unit).max(v2020::MAXIMUM_MIN.div_ceil(unit) * unit);
    Some(ChunkParams {
        align: align as u32,
        min: min as u32,
        avg: avg as u32,
        max: max as u32,
    })
}

/// Cuts one stream's sample bytes into content-defined chunks, fed in
/// order. Memory is bounded by the largest chunk plus one packet.
pub struct Chunker {
    params: ChunkParams,
    masks: (u64, u64),
    buf: Vec<u8>,
    /// Sample frames before the start of `buf`.
    frames: u64,
}

/// One chunk: the sample frame it starts at (from the stream's first) and
/// the SHA-256 of its bytes.
pub type Chunk = (u64, [u8; 32]);

impl Chunker {
    /// A chunker with parameters [`ChunkParams::usable`] says are good.
    pub fn new(params: ChunkParams) -> Self {
        let masks = v2020::select_masks(params.avg as usize, Normalization::Level1);
        Chunker {
            params,
            masks,
            buf: Vec::new(),
            frames: 0,
        }
    }

    /// Adds the next bytes of the stream; returns the chunks they complete.
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<Chunk>) {
        self.buf.extend_from_slice(bytes);
        let mut start = 0;
        while self.buf.len() - start >= self.params.max as usize {
            start += self.cut(start, out);
        }
        self.buf.drain(..start);
    }

    /// The end of the stream: the last chunks.
    pub fn finish(&mut self, out: &mut Vec<Chunk>) {
        let mut start = 0;
        while start < self.buf.len() {
            start += self.cut(start, out);
        }
        self.buf.clear();
    }

    /// Cuts one chunk from `buf[start..]`; returns its length (at least 1).
    fn cut(&mut self, start: usize, out: &mut Vec<Chunk>) -> usize {
        let p = &self.params;
        let (align, max) = (p.align as usize, p.max as usize);
        let rest = &self.buf[start..];
        let (mask_s, mask_l) = self.masks;
        let (_, n) = v2020::cut(
            &rest[..rest.len().min(max)],
            p.min as usize,
            p.avg as usize,
            max,
            mask_s,
            mask_l,
            mask_s << 1,
            mask_l << 1,
        );
        let n = n
            .max(1)
            .div_ceil(align)
            .saturating_mul(align)
            .min(rest.len());
        let hash = super::packet_hash(&rest[..n]);
        out.push((self.frames, hash));
        self.frames += (n / align) as u64;
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    fn chunks(data: &[u8], packet: usize, p: ChunkParams) -> Vec<Chunk> {
        let mut c = Chunker::new(p);
        let mut out = Vec::new();
        for piece in data.chunks(packet) {
            c.push(piece, &mut out);
        }
        c.finish(&mut out);
        out
    }

    #[test]
    fn pcm_codecs_are_recognised_by_name() {
        assert_eq!(pcm_sample_bytes("pcm_s16le"), Some(2));
        assert_eq!(pcm_sample_bytes("pcm_s24be"), Some(3));
        assert_eq!(pcm_sample_bytes("pcm_f64le"), Some(8));
        assert_eq!(pcm_sample_bytes("pcm_u8"), Some(1));
        assert_eq!(pcm_sample_bytes("pcm_mulaw"), Some(1));
        assert_eq!(pcm_sample_bytes("pcm_s16le_planar"), None);
        assert_eq!(pcm_sample_bytes("pcm_dvd"), None);
        assert_eq!(pcm_sample_bytes("pcm_bluray"), None);
        assert_eq!(pcm_sample_bytes("aac"), None);
    }

    #[test]
    fn parameters_are_about_sixteen_ms_and_usable() {
        let mono = params(16_000, 2).unwrap();
        assert_eq!((mono.min, mono.avg, mono.max), (128, 512, 2048));
        let stereo = params(48_000, 4).unwrap();
        assert_eq!((stereo.min, stereo.avg, stereo.max), (512, 2048, 8192));
        assert!(mono.usable() && stereo.usable());
        let odd = params(8_000, 3).unwrap();
        assert!(odd.usable() && odd.max.is_multiple_of(6), "{odd:?}");
        assert_eq!(params(0, 2), None);
    }

    #[test]
    fn chunks_do_not_depend_on_packet_size_and_start_on_frames() {
        let p = params(16_000, 2).unwrap();
        let data = noise(100_000, 7);
        let a = chunks(&data, 4096, p);
        let b = chunks(&data, 333, p);
        assert_eq!(a, b);
        assert!(a.len() > 50, "{}", a.len());
        // Frames add up to the whole stream.
        assert_eq!(a[0].0, 0);
        assert!(a.windows(2).all(|w| w[1].0 > w[0].0));
    }

    #[test]
    fn a_cut_disturbs_only_the_chunks_around_it() {
        let p = params(16_000, 2).unwrap();
        let data = noise(200_000, 9);
        // Remove 3001 frames (6002 bytes) at byte 80_000.
        let mut cut = data[..80_000].to_vec();
        cut.extend_from_slice(&data[86_002..]);
        let a = chunks(&data, 4096, p);
        let b = chunks(&cut, 4096, p);
        let sealed: std::collections::HashSet<_> = a.iter().map(|c| c.1).collect();
        let lost = b.iter().filter(|c| !sealed.contains(&c.1)).count();
        assert!(lost <= 3, "{lost} chunks of the copy are new");
        let last = b.last().unwrap();
        assert!(sealed.contains(&last.1));
    }

    #[test]
    fn hostile_sizes_never_panic() {
        let p = params(8_000, 3).unwrap();
        for n in [0, 1, 2, 5, 64, 1000, 70_001] {
            let got = chunks(&noise(n, 3), 7, p);
            assert_eq!(got.is_empty(), n == 0);
        }
    }
}
