#!/usr/bin/env bash
# Version 3 sidecar on PCM WAV: its size per hour, and the time to seal,
# side by side in one run with what a user would run to learn the same
# with FFmpeg:
#   courtseal seal DIR (hash, facts, content-defined chunks, windows, silence)
#   ffmpeg -i FILE -f framehash -
# on 1 h of 16 kHz mono and 20 min of 48 kHz stereo s16 PCM (generated here
# once, cached in bench/.cache/).
#   bash bench/sidecar-v3.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-3}
cargo build --release --quiet
cs="$PWD/target/release/courtseal"
cache=bench/.cache
mkdir -p "$cache"
mono="$cache/hearing-1h-16k-mono.wav"
stereo="$cache/hearing-20min-48k-stereo.wav"
gen() { # FILE RATE CHANNELS SECONDS
  [ -s "$1" ] && return
  echo "generating $1..."
  ffmpeg -v error -y -f lavfi -i "sine=frequency=220:sample_rate=$2:duration=$4" \
    -f lavfi -i "anoisesrc=color=pink:sample_rate=$2:duration=$4:amplitude=0.05:seed=7" \
    -filter_complex amix=inputs=2 -ac "$3" -c:a pcm_s16le "$1"
}
gen "$mono" 16000 1 3600
gen "$stereo" 48000 2 1200
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp keys/demo-recorder.key "$tmp/k.key"
chmod 600 "$tmp/k.key"
now() { date +%s.%N; }
for f in "$mono" "$stereo"; do
  cat "$f" > /dev/null
  secs=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")
  echo "== $(basename "$f"): $(du -h "$f" | cut -f1), ${secs} s"
  best_cs=999999; best_ff=999999
  for r in $(seq 1 "$rounds"); do
    rm -rf "$tmp/s"; mkdir "$tmp/s"; cp "$f" "$tmp/s/rec.wav"
    t0=$(now); "$cs" seal "$tmp/s" --key "$tmp/k.key" --origin bench.example/v3 > /dev/null; t1=$(now)
    c=$(echo "$t1 - $t0" | bc -l)
    t0=$(now); ffmpeg -v error -i "$f" -f framehash - > /dev/null; t1=$(now)
    x=$(echo "$t1 - $t0" | bc -l)
    printf '  round %s: courtseal seal %.3f s   ffmpeg -f framehash %.3f s\n' "$r" "$c" "$x"
    best_cs=$(echo "if ($c < $best_cs) $c else $best_cs" | bc -l)
    best_ff=$(echo "if ($x < $best_ff) $x else $best_ff" | bc -l)
  done
  printf '  best: courtseal %.3f s, ffmpeg %.3f s, ratio %.2f\n' "$best_cs" "$best_ff" "$(echo "$best_cs / $best_ff" | bc -l)"
  side="$tmp/s/courtseal/windows/1.jsonl"
  size=$(stat -c %s "$side"); media=$(stat -c %s "$f")
  printf '  sidecar v3: %s bytes (%.2f MB per hour, %.2f%% of the media); %s chunks\n' "$size" \
    "$(echo "$size * 3600 / $secs / 1000000" | bc -l)" "$(echo "$size * 100 / $media" | bc -l)" \
    "$(head -1 "$side" | sed 's/.*"packets":\([0-9]*\).*/\1/')"
done
# Sidecar size per hour for compressed recordings: 10 min of 48 kb/s AAC
# mono and 2 min of 720p H.264 (25 fps, ~2 Mb/s) with 48 kb/s AAC.
aac="$cache/hearing-10min-aac48k.m4a"
video="$cache/hearing-2min-720p.mp4"
[ -s "$aac" ] || ffmpeg -v error -y -f lavfi -i "anoisesrc=color=pink:sample_rate=44100:duration=600:amplitude=0.1:seed=3" \
  -ac 1 -c:a aac -b:a 48k "$aac"
[ -s "$video" ] || ffmpeg -v error -y -f lavfi -i "testsrc2=size=1280x720:rate=25:duration=120" \
  -f lavfi -i "anoisesrc=color=pink:sample_rate=44100:duration=120:amplitude=0.1:seed=4" \
  -c:v libx264 -preset veryfast -b:v 2M -g 50 -c:a aac -b:a 48k -ac 1 -shortest "$video"
for f in "$aac" "$video"; do
  secs=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")
  rm -rf "$tmp/s"; mkdir "$tmp/s"; cp "$f" "$tmp/s/rec.${f##*.}"
  "$cs" seal "$tmp/s" --key "$tmp/k.key" --origin bench.example/v3 > /dev/null
  side="$tmp/s/courtseal/windows/1.jsonl"
  size=$(stat -c %s "$side"); media=$(stat -c %s "$f")
  printf '== %s: %s s; sidecar v3: %s bytes (%.2f MB per hour, %.2f%% of the media)\n' "$(basename "$f")" "$secs" \
    "$size" "$(echo "$size * 3600 / $secs / 1000000" | bc -l)" "$(echo "$size * 100 / $media" | bc -l)"
done
