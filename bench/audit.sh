#!/usr/bin/env bash
# Auditing an archive of >= 2 GiB in >= 200 files: courtseal audit on one
# core (RAYON_NUM_THREADS=1) and on both, side by side with
# `openssl dgst -sha256` over the same files (one process, one core), in one
# run, files in the page cache; peak memory of the audit.
#   bash bench/audit.sh [SESSIONS] [FILES_PER_SESSION] [MIB_PER_FILE] [ROUNDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
sessions=${1:-10}; per=${2:-21}; mib=${3:-10}; rounds=${4:-3}
cargo build --release --quiet
cs="$PWD/target/release/courtseal"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/keys" "$work/archive"
"$cs" keys generate --name bench --out "$work/keys" >/dev/null
for s in $(seq 1 "$sessions"); do
  d="$work/archive/session-$s"; mkdir "$d"
  for f in $(seq 1 "$per"); do head -c $((mib * 1048576)) /dev/urandom > "$d/seg-$f.bin"; done
  "$cs" seal "$d" --key "$work/keys/bench.key" --origin "bench.example/$s" --no-silence >/dev/null
done
files=$((sessions * per)); total=$((files * mib))
find "$work/archive" -name '*.bin' -exec cat {} + > /dev/null   # warm the page cache
echo "archive: $sessions sessions, $files files, $total MiB; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
now() { date +%s.%N; }
best1=999; best2=999; besto=999
for r in $(seq 1 "$rounds"); do
  t0=$(now); (cd "$work" && CI=true RAYON_NUM_THREADS=1 "$cs" audit archive --trust keys/bench.vkey --state s1.jsonl >/dev/null 2>&1); t1=$(now)
  a=$(echo "$t1 - $t0" | bc -l)
  t0=$(now); (cd "$work" && CI=true "$cs" audit archive --trust keys/bench.vkey --state s2.jsonl >/dev/null 2>&1); t1=$(now)
  b=$(echo "$t1 - $t0" | bc -l)
  t0=$(now); find "$work/archive" -name '*.bin' -print0 | sort -z | xargs -0 openssl dgst -sha256 > /dev/null; t1=$(now)
  o=$(echo "$t1 - $t0" | bc -l)
  printf 'round %s: audit 1 core %.3f s (%.0f MiB/s)   audit 2 cores %.3f s (%.0f MiB/s)   openssl %.3f s (%.0f MiB/s)\n' \
    "$r" "$a" "$(echo "$total / $a" | bc -l)" "$b" "$(echo "$total / $b" | bc -l)" "$o" "$(echo "$total / $o" | bc -l)"
  best1=$(echo "if ($a < $best1) $a else $best1" | bc -l)
  best2=$(echo "if ($b < $best2) $b else $best2" | bc -l)
  besto=$(echo "if ($o < $besto) $o else $besto" | bc -l)
done
printf 'best: per-core audit at %.1f%% of openssl (target >= 90%%); two cores %.2fx one core (target >= 1.6x)\n' \
  "$(echo "$besto / $best1 * 100" | bc -l)" "$(echo "$best1 / $best2" | bc -l)"
(cd "$work" && CI=true /usr/bin/time -f 'audit peak memory: %M KiB' "$cs" audit archive --trust keys/bench.vkey --state s3.jsonl >/dev/null) 2>&1 | grep 'peak memory'
