#!/usr/bin/env bash
# The sealing service (`seal --watch`): latency from the moment a segment is
# complete (the recorder renames it from .part) to its checkpoint being on
# disk, for 10-minute recordings written progressively under a .part name
# and then renamed; and the idle service's CPU and memory.
# Uses the recordings made by bench/media-windows.sh (generated if missing).
#   bash bench/watch.sh [IDLE_SECONDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
idle=${1:-60}
cargo build --release --quiet
cs="$PWD/target/release/courtseal"
cache=bench/.cache
[ -s "$cache/hearing-10min-720p.mp4" ] || bash bench/media-windows.sh 1 >/dev/null
[ -s "$cache/hearing-10min.m4a" ] || ffmpeg -v error -y -i "$cache/hearing-1h.m4a" -t 600 -c copy "$cache/hearing-10min.m4a"
work=$(mktemp -d)
trap 'kill "$svc" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir "$work/keys" "$work/session"
"$cs" keys generate --name bench --out "$work/keys" >/dev/null
"$cs" seal "$work/session" --watch --key "$work/keys/bench.key" --origin bench.example/watch \
  --heartbeat 30 --settle 10 > "$work/watch.log" 2>&1 &
svc=$!
until [ -e "$work/session/courtseal/checkpoint" ]; do sleep 0.05; done
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$svc/stat"; }
c0=$(cpu); sleep "$idle"; c1=$(cpu)
printf 'idle for %s s: CPU %.3f%% of one core; memory: %s, %s\n' "$idle" \
  "$(echo "($c1 - $c0) / $ticks / $idle * 100" | bc -l)" \
  "$(grep VmRSS /proc/$svc/status | tr -s ' ')" "$(grep VmHWM /proc/$svc/status | tr -s ' ')"
n=0
for f in "$cache/hearing-10min.m4a" "$cache/hearing-10min-720p.mp4"; do
  n=$((n + 1))
  name="seg-$n.${f##*.}"
  # Written the way a recorder writes: progressively, under a temporary name.
  python3 - "$f" "$work/session/$name.part" <<'PY'
import sys, time
src, dst = sys.argv[1], sys.argv[2]
data = open(src, 'rb').read()
with open(dst, 'wb') as out:
    step = len(data) // 16 + 1
    for i in range(0, len(data), step):
        out.write(data[i:i + step]); out.flush(); time.sleep(0.1)
PY
  before=$(ls "$work/session/courtseal/checkpoints" | sort -n | tail -1)
  t0=$(date +%s.%N)
  mv "$work/session/$name.part" "$work/session/$name"
  until grep -q "\"name\":\"$name\"" "$work/session/courtseal/log.jsonl" 2>/dev/null \
        && [ "$(ls "$work/session/courtseal/checkpoints" | sort -n | tail -1)" -gt "$before" ]; do
    sleep 0.01
  done
  t1=$(date +%s.%N)
  printf '%s (%s): complete -> checkpoint on disk in %.3f s (target < 2 s)\n' "$(basename "$f")" \
    "$(du -h "$f" | cut -f1)" "$(echo "$t1 - $t0" | bc -l)"
done
printf 'after sealing: memory %s\n' "$(grep VmHWM /proc/$svc/status | tr -s ' ')"
"$cs" close "$work/session" >/dev/null
wait "$svc" || true
