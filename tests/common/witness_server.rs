//! A small tlog-witness for the tests that need one in-process (the real,
//! independent witness, litewitness, is in `tests/litewitness.rs`).

use std::io::{Read as _, Write as _};
use std::sync::{Arc, Mutex};

use courtseal::note::CosignatureSigner;

/// A tlog-witness on 127.0.0.1 signing with `signer`: cosigns what is
/// consistent with what it cosigned before, answers 409 with its size and
/// 422 to a bad consistency proof. Returns its URL.
pub fn serve_witness(signer: CosignatureSigner) -> String {
    use base64::Engine as _;
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let st = Arc::new(Mutex::new((0u64, [0u8; 32])));
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let body = loop {
                let n = s.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    break None;
                }
                buf.extend_from_slice(&chunk[..n]);
                if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .map(|v| v.trim().parse().unwrap())
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len {
                        break Some(
                            String::from_utf8(buf[end + 4..end + 4 + len].to_vec()).unwrap(),
                        );
                    }
                }
            };
            let Some(body) = body else { continue };
            let (head, note) = body.split_once("\n\n").unwrap();
            let mut lines = head.lines();
            let old: u64 = lines.next().unwrap()[4..].parse().unwrap();
            let proof: Vec<[u8; 32]> = lines
                .map(|l| {
                    base64::engine::general_purpose::STANDARD
                        .decode(l)
                        .unwrap()
                        .try_into()
                        .unwrap()
                })
                .collect();
            let text = &note[..note.find("\n\n").unwrap() + 1];
            let cp = courtseal::checkpoint::Checkpoint::parse(text).unwrap();
            let mut g = st.lock().unwrap();
            let reply = if old != g.0 {
                format!(
                    "HTTP/1.0 409 Conflict\r\nContent-Type: text/x.tlog.size\r\n\r\n{}\n",
                    g.0
                )
            } else if old > 0
                && courtseal::tlog::verify_consistency(old, cp.size, &g.1, &cp.root, &proof)
                    .is_err()
            {
                "HTTP/1.0 422 Unprocessable Entity\r\n\r\nbad proof\n".to_owned()
            } else {
                *g = (cp.size, cp.root);
                let t = time::OffsetDateTime::now_utc().unix_timestamp() as u64;
                format!(
                    "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n{}",
                    signer.cosignature_line(text, t)
                )
            };
            let _ = s.write_all(reply.as_bytes());
        }
    });
    url
}
