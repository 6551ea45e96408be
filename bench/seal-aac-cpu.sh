#!/usr/bin/env bash
# Sealing 1 h of 48 kb/s AAC against FFmpeg learning the same (per-packet
# SHA-256 and the silences, one demux), interleaved for ROUNDS rounds in one
# run, with wall and CPU (user + system) time of each under /usr/bin/time:
# on a loaded machine CPU time is the steadier figure. BEFORE=PATH also
# times another courtseal binary in each round (e.g. a build before a change).
#   bash bench/seal-aac-cpu.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-3}
cargo build --release --locked --quiet --bin courtseal
cs="$PWD/target/release/courtseal"
cache=bench/.cache
mkdir -p "$cache"
f="$cache/hearing-1h-aac48k.m4a"   # the same file as bench/seal-vs-ffmpeg.sh
[ -s "$f" ] || ffmpeg -v error -y -f lavfi \
  -i "anoisesrc=color=pink:sample_rate=44100:duration=3600:amplitude=0.1:seed=3" -ac 1 -c:a aac -b:a 48k "$f"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp keys/demo-recorder.key "$tmp/demo-recorder.key"; chmod 600 "$tmp/demo-recorder.key"
timed() { /usr/bin/time -f "%e %U %S" -o "$tmp/t" "$@" > /dev/null
  awk '{printf "%.2f s wall, %.2f s CPU", $1, $2 + $3}' "$tmp/t"; }
seal() { rm -rf "$tmp/s"; mkdir "$tmp/s"; cp "$f" "$tmp/s/rec.m4a"
  timed "$1" seal "$tmp/s" --key "$tmp/demo-recorder.key" --origin bench.example/seal; }
cat "$f" > /dev/null
for r in $(seq "$rounds"); do
  line="round $r (load $(cut -d' ' -f1 /proc/loadavg)): ffmpeg $(timed ffmpeg -nostdin -v error -i "$f" \
    -map 0 -c copy -f framehash -hash sha256 -y /dev/null -map 0:a:0 -af silencedetect -f null -)"
  [ -n "${BEFORE:-}" ] && line="$line; before $(seal "$BEFORE")"
  echo "$line; seal $(seal "$cs")"
done
