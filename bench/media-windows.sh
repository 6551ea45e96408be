#!/usr/bin/env bash
# Packet windows vs FFmpeg's own per-packet hashing, side by side in one run:
#   courtseal inspect FILE --no-silence      (demux, hash every packet, windows, gaps)
#   ffmpeg -v error -i FILE -map 0 -c copy -f framehash -hash sha256 -
# on a 1-hour AAC recording and a 10-minute 720p H.264 + AAC recording
# (generated here once, cached in bench/.cache/), with peak memory.
#   bash bench/media-windows.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-3}
cargo build --release --quiet
cs="$PWD/target/release/courtseal"
cache=bench/.cache
mkdir -p "$cache"
aac="$cache/hearing-1h.m4a"
av="$cache/hearing-10min-720p.mp4"
if [ ! -s "$aac" ]; then
  echo "generating $aac (1 h of AAC, 48 kHz mono, 64 kb/s)..."
  ffmpeg -v error -y -f lavfi -i "sine=frequency=220:sample_rate=48000:duration=3600" \
    -f lavfi -i "anoisesrc=color=pink:sample_rate=48000:duration=3600:amplitude=0.05:seed=7" \
    -filter_complex amix=inputs=2 -ac 1 -c:a aac -b:a 64k "$aac"
fi
if [ ! -s "$av" ]; then
  echo "generating $av (10 min, 1280x720 25 fps H.264 + AAC)..."
  ffmpeg -v error -y -f lavfi -i "testsrc2=size=1280x720:rate=25:duration=600" \
    -f lavfi -i "sine=frequency=330:sample_rate=48000:duration=600" \
    -c:v libx264 -preset veryfast -b:v 1500k -g 50 -c:a aac -b:a 64k -ac 1 "$av"
fi
now() { date +%s.%N; }
for f in "$aac" "$av"; do
  cat "$f" > /dev/null
  echo "== $(basename "$f"): $(du -h "$f" | cut -f1), $("$cs" inspect "$f" --no-silence | grep -c '^Stream') stream(s)"
  best_cs=999999; best_ff=999999
  for r in $(seq 1 "$rounds"); do
    t0=$(now); "$cs" inspect "$f" --no-silence > /dev/null; t1=$(now)
    c=$(echo "$t1 - $t0" | bc -l)
    t0=$(now); ffmpeg -v error -i "$f" -map 0 -c copy -f framehash -hash sha256 - > /dev/null; t1=$(now)
    x=$(echo "$t1 - $t0" | bc -l)
    printf '  round %s: courtseal %.3f s   ffmpeg framehash %.3f s\n' "$r" "$c" "$x"
    best_cs=$(echo "if ($c < $best_cs) $c else $best_cs" | bc -l)
    best_ff=$(echo "if ($x < $best_ff) $x else $best_ff" | bc -l)
  done
  printf '  best: courtseal %.3f s, ffmpeg %.3f s, ratio %.2f (target <= 1.00)\n' "$best_cs" "$best_ff" "$(echo "$best_cs / $best_ff" | bc -l)"
  /usr/bin/time -f '  peak memory: courtseal %M KiB' "$cs" inspect "$f" --no-silence > /dev/null
  /usr/bin/time -f '  peak memory: ffmpeg framehash %M KiB' ffmpeg -v error -i "$f" -map 0 -c copy -f framehash -hash sha256 - > /dev/null
  /usr/bin/time -f '  with silence detection (decodes the audio): %e s, %M KiB' "$cs" inspect "$f" > /dev/null
done
