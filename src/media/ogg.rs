//! Ogg pages whose checksum fails. An Ogg reader (FFmpeg's among them)
//! drops a page whose CRC does not match its bytes and resyncs on the next
//! page, so one changed byte makes a whole page of packets (about a second
//! of Opus) unreadable: the copy then reads as if they had been cut out.
//! Counting such pages lets a verifier say the file was damaged there,
//! not cut. Reads the file once, one page at a time (at most 65 307
//! bytes), never the whole file.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// CRC-32 as Ogg defines it: polynomial 0x04C11DB7, initial value 0, not
/// reflected, no final XOR.
fn crc32(crc: u32, bytes: &[u8]) -> u32 {
    bytes.iter().fold(crc, |mut c, &b| {
        c ^= u32::from(b) << 24;
        for _ in 0..8 {
            c = if c & 0x8000_0000 != 0 {
                (c << 1) ^ 0x04C1_1DB7
            } else {
                c << 1
            };
        }
        c
    })
}

/// The page at the reader's position, after its capture pattern `OggS`:
/// `Ok(Some(true))` when its checksum matches, `Ok(Some(false))` when it
/// does not, `Ok(None)` when the file ends inside it.
fn page(r: &mut impl Read) -> io::Result<Option<bool>> {
    let mut head = [0u8; 27];
    head[..4].copy_from_slice(b"OggS");
    if read_all(r, &mut head[4..])? {
        return Ok(None);
    }
    let want = u32::from_le_bytes([head[22], head[23], head[24], head[25]]);
    let mut table = vec![0u8; usize::from(head[26])];
    if read_all(r, &mut table)? {
        return Ok(None);
    }
    let mut body = vec![0u8; table.iter().map(|&x| usize::from(x)).sum()];
    if read_all(r, &mut body)? {
        return Ok(None);
    }
    head[22..26].fill(0);
    let crc = crc32(crc32(crc32(0, &head), &table), &body);
    Ok(Some(crc == want))
}

/// Fills `buf`; `true` when the file ends first.
fn read_all(r: &mut impl Read, buf: &mut [u8]) -> io::Result<bool> {
    match r.read_exact(buf) {
        Ok(()) => Ok(false),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(true),
        Err(e) => Err(e),
    }
}

/// The number of pages in an Ogg file whose checksum does not match their
/// bytes. After a bad page the search for the next one starts one byte on,
/// as a reader's resync does.
pub fn damaged_pages(path: &Path) -> io::Result<usize> {
    let mut r = BufReader::new(File::open(path)?);
    let mut damaged = 0;
    // The last four bytes read, to find the capture pattern.
    let mut last = [0u8; 4];
    let mut byte = [0u8; 1];
    loop {
        if r.read(&mut byte)? == 0 {
            return Ok(damaged);
        }
        last = [last[1], last[2], last[3], byte[0]];
        if &last != b"OggS" {
            continue;
        }
        let at = r.stream_position()?;
        last = [0; 4];
        match page(&mut r)? {
            Some(true) => {}
            Some(false) => {
                damaged += 1;
                r.seek(SeekFrom::Start(at))?;
            }
            None => return Ok(damaged),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One page with `body` as its one packet, checksum filled in.
    fn one_page(seq: u32, body: &[u8]) -> Vec<u8> {
        let mut p = b"OggS".to_vec();
        p.extend([0, 0]);
        p.extend(0u64.to_le_bytes());
        p.extend(7u32.to_le_bytes());
        p.extend(seq.to_le_bytes());
        p.extend([0; 4]);
        p.push(1);
        p.push(u8::try_from(body.len()).unwrap());
        p.extend(body);
        let crc = crc32(0, &p);
        p[22..26].copy_from_slice(&crc.to_le_bytes());
        p
    }

    #[test]
    fn the_checksum_is_ogg_s() {
        // The check value of "123456789" with Ogg's parameters is that of
        // CRC-32/CKSUM (the same, with a final XOR of all ones, 0x765E7680)
        // without the XOR.
        assert_eq!(crc32(0, b"123456789"), 0x89A1_897F);
    }

    #[test]
    fn a_flipped_byte_damages_its_page_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.ogg");
        let mut f: Vec<u8> = (0..5)
            .flat_map(|i| one_page(i, b"some packet data"))
            .collect();
        std::fs::write(&path, &f).unwrap();
        assert_eq!(damaged_pages(&path).unwrap(), 0);
        let at = f.len() / 2;
        f[at] ^= 0x55;
        std::fs::write(&path, &f).unwrap();
        assert_eq!(damaged_pages(&path).unwrap(), 1);
        // Cut off inside the last page: not damage, the file just ends.
        std::fs::write(&path, &f[..f.len() - 3]).unwrap();
        assert_eq!(damaged_pages(&path).unwrap(), 1);
    }
}
