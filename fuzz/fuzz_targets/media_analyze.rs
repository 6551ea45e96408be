//! The media reader's entry point, `media::analyze`, on arbitrary bytes
//! written to a file (FFmpeg reads files): no panic, and what it reports is
//! consistent (streams with packets, windows inside their streams, times
//! finite). With everything kept, the per-packet hashes agree with the counts.
#![no_main]

use std::io::Write as _;

use courtseal::media::{analyze, MediaOptions, SilenceOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut f = tempfile::Builder::new().suffix(".mp4").tempfile_in("/dev/shm").expect("temp file");
    f.write_all(data).expect("write");
    f.flush().expect("flush");
    let opts = MediaOptions {
        window_seconds: 1.0,
        silence: Some(SilenceOptions::default()),
        ..MediaOptions::default()
    };
    let Ok(a) = analyze(f.path(), &opts, courtseal::media::Keep::All) else {
        return;
    };
    let hashes = a.packet_hashes.as_ref().expect("kept");
    assert_eq!(hashes.len(), a.facts.streams.len());
    // Units: packets, or a PCM stream's chunks.
    for (s, h) in a.header.streams.iter().zip(hashes) {
        assert_eq!(s.packets as usize, h.len());
    }
    for w in &a.windows {
        let st = &a.header.streams[w.s];
        assert!(w.count > 0 && w.first + w.count <= st.packets);
        assert!(w.from.is_finite() && w.to.is_finite());
    }
    for o in &a.facts.observations {
        assert!(o.from.is_finite() && o.to.is_finite());
    }
});
