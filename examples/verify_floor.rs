//! The floor under verifying many signed checkpoints: how long one strict
//! Ed25519 check (`ed25519-dalek`'s `verify_strict`, the check courtseal
//! makes of every checkpoint, ledger checkpoint and cosignature) takes on
//! this machine, over checkpoint-sized messages, and what `N` such checks
//! cost at the least on all its cores. Used by `bench/ledger.sh`.
//!
//!     verify_floor [CHECKS]     (default 40000: case A's count)

use ed25519_dalek::{Signer as _, SigningKey};

fn main() {
    let total: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(40_000);
    let n = 20_000;
    let key = SigningKey::generate(&mut rand_core::OsRng);
    let public = key.verifying_key();
    let msgs: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            format!(
                "ledger.bench.court.example\n{i}\nq6vN7Q0xVn3yq3T1s0pP3dVwY4Z0tQmA0n1b2c3d4e8=\n"
            )
            .into_bytes()
        })
        .collect();
    let sigs: Vec<_> = msgs.iter().map(|m| key.sign(m)).collect();
    let start = std::time::Instant::now();
    let ok = msgs
        .iter()
        .zip(&sigs)
        .filter(|(m, s)| public.verify_strict(m, s).is_ok())
        .count();
    let each = start.elapsed().as_secs_f64() / n as f64;
    assert_eq!(ok, n, "a signature made here did not verify");
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    println!(
        "one strict Ed25519 check: {:.1} us (mean of {n} in a row); {total} checks: {:.2} s of CPU, at least {:.2} s of wall time on {cores} core(s)",
        each * 1e6,
        each * total as f64,
        each * total as f64 / cores as f64
    );
}
