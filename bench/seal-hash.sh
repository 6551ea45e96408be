#!/usr/bin/env bash
# Sealing throughput: `courtseal seal` on a session holding one large segment,
# side by side with `openssl dgst -sha256` on the same file, in one run,
# alternating, file in the page cache (so both measure hashing, not the disk).
#   bash bench/seal-hash.sh [SIZE_MIB] [ROUNDS]     (default 2048 MiB, 3 rounds)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
size_mib=${1:-2048}
rounds=${2:-3}
cargo build --release --quiet
cs="$PWD/target/release/courtseal"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/keys"
"$cs" keys generate --name bench --out "$work/keys" >/dev/null
mkdir "$work/session"
head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$work/session/segment.mp4"
cat "$work/session/segment.mp4" > /dev/null   # warm the page cache

now() { date +%s.%N; }
echo "file: ${size_mib} MiB; CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); SHA extensions: $(grep -q -w sha_ni /proc/cpuinfo && echo yes || echo no)"
echo "$(openssl version)"
printf '%-6s %-22s %10s %10s\n' round tool seconds MiB/s
best_cs=999999; best_ossl=999999
for r in $(seq 1 "$rounds"); do
  rm -rf "$work/session/courtseal"
  t0=$(now); "$cs" seal "$work/session" --key "$work/keys/bench.key" --origin bench.example/log >/dev/null; t1=$(now)
  cs_s=$(echo "$t1 - $t0" | bc -l)
  t0=$(now); openssl dgst -sha256 "$work/session/segment.mp4" >/dev/null; t1=$(now)
  os_s=$(echo "$t1 - $t0" | bc -l)
  printf '%-6s %-22s %10.3f %10.0f\n' "$r" "courtseal seal" "$cs_s" "$(echo "$size_mib / $cs_s" | bc -l)"
  printf '%-6s %-22s %10.3f %10.0f\n' "$r" "openssl dgst -sha256" "$os_s" "$(echo "$size_mib / $os_s" | bc -l)"
  best_cs=$(echo "if ($cs_s < $best_cs) $cs_s else $best_cs" | bc -l)
  best_ossl=$(echo "if ($os_s < $best_ossl) $os_s else $best_ossl" | bc -l)
done
ratio=$(echo "$best_ossl / $best_cs * 100" | bc -l)
printf 'best: courtseal %.0f MiB/s, openssl %.0f MiB/s: courtseal at %.1f%% of openssl (target >= 90%%)\n' \
  "$(echo "$size_mib / $best_cs" | bc -l)" "$(echo "$size_mib / $best_ossl" | bc -l)" "$ratio"
/usr/bin/time -f 'courtseal verify of that session (re-hashing 2 GiB) peak memory: %M KiB' "$cs" verify "$work/session" --trust "$work/keys/bench.vkey" >/dev/null
