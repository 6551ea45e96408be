#!/usr/bin/env bash
# Verifying the log and checkpoints of a session with N entries (default
# 100,000), media already hashed (`verify --log-only`): time and peak memory.
# The log is sealed in 100 batches, so it carries 100 kept checkpoints and
# verification checks 100 consistency proofs as well as the full tree.
#   bash bench/verify-log.sh [ENTRIES] [ROUNDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
entries=${1:-100000}
rounds=${2:-3}
cargo build --release --quiet
cs="$PWD/target/release/courtseal"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/keys" "$work/session"
"$cs" keys generate --name bench --out "$work/keys" >/dev/null
batch=$(( (entries + 99) / 100 ))
made=0
while [ "$made" -lt "$entries" ]; do
  n=$(( entries - made < batch ? entries - made : batch ))
  ( cd "$work/session" && seq -f "seg-%07g.bin" $((made + 1)) $((made + n)) | xargs touch )
  "$cs" seal "$work/session" --key "$work/keys/bench.key" --origin bench.example/log >/dev/null
  made=$((made + n))
done
lines=$(wc -l < "$work/session/courtseal/log.jsonl")
echo "log: $lines entries ($(du -h "$work/session/courtseal/log.jsonl" | cut -f1)), $(ls "$work/session/courtseal/checkpoints" | wc -l) kept checkpoints"
for r in $(seq 1 "$rounds"); do
  /usr/bin/time -f "round $r: verify --log-only %e s, peak memory %M KiB" \
    "$cs" verify "$work/session" --trust "$work/keys/bench.vkey" --log-only >/dev/null
done
