#!/usr/bin/env bash
# Sealing against what a user would run with FFmpeg to learn the same
# (per-packet SHA-256 and the silences), side by side in one run:
#   courtseal seal DIR
#   ffmpeg -i FILE -map 0 -c copy -f framehash -hash sha256 -y /dev/null \
#          -map 0:a:0 -af silencedetect -f null -
# FFmpeg does both in ONE run (one demux, as fair as it can be to FFmpeg).
# `-c copy` makes framehash hash the compressed packets (as seal does) instead
# of decoded frames; `-y` is needed because the output /dev/null exists
# (without it FFmpeg refuses to overwrite and exits 1). FFmpeg's errors are
# shown, not discarded.
# Media: 1 h of 48 kb/s AAC, 1 h of 16 kHz PCM WAV, 10 min of 720p
# H.264+AAC (generated once, cached in bench/.cache/). Then `verify` of the
# 1 h AAC with 5 s cut out at 30:00 (stream copy), with its peak memory
# (/usr/bin/time -v), and the same at 2 h to show whether memory grows.
#   bash bench/seal-vs-ffmpeg.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release --locked --quiet --bin courtseal
cs="$PWD/target/release/courtseal"
cache=bench/.cache
mkdir -p "$cache"
noise() { echo "anoisesrc=color=pink:sample_rate=$1:duration=$2:amplitude=0.1:seed=3"; }
aac1="$cache/hearing-1h-aac48k.m4a"; aac2="$cache/hearing-2h-aac48k.m4a"
wav="$cache/hearing-1h-16k-mono.wav"; video="$cache/hearing-10min-720p.mp4"
[ -s "$aac1" ] || ffmpeg -v error -y -f lavfi -i "$(noise 44100 3600)" -ac 1 -c:a aac -b:a 48k "$aac1"
[ -s "$wav" ] || ffmpeg -v error -y -f lavfi -i "$(noise 16000 3600)" -ac 1 -c:a pcm_s16le "$wav"
[ -s "$video" ] || ffmpeg -v error -y -f lavfi -i "testsrc2=size=1280x720:rate=25:duration=600" \
  -f lavfi -i "$(noise 44100 600)" -c:v libx264 -preset veryfast -b:v 2M -g 50 -c:a aac -b:a 48k -ac 1 -shortest "$video"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The signed-note key name is the key file's stem: keep it, or verify --trust fails.
cp keys/demo-recorder.key "$tmp/demo-recorder.key"; chmod 600 "$tmp/demo-recorder.key"
now() { date +%s.%N; }
seal() { rm -rf "$tmp/s"; mkdir "$tmp/s"; cp "$1" "$tmp/s/rec.${1##*.}"
  "$cs" seal "$tmp/s" --key "$tmp/demo-recorder.key" --origin bench.example/seal > /dev/null; }
for f in "$aac1" "$wav" "$video"; do
  cat "$f" > /dev/null
  t0=$(now); seal "$f"; t1=$(now); c=$(echo "$t1 - $t0" | bc -l)
  t0=$(now)
  ffmpeg -nostdin -v error -i "$f" -map 0 -c copy -f framehash -hash sha256 -y /dev/null \
    -map 0:a:0 -af silencedetect -f null -
  t1=$(now); x=$(echo "$t1 - $t0" | bc -l)
  printf '== %s: courtseal seal %.2f s, ffmpeg framehash+silencedetect %.2f s, ratio %.2f\n' \
    "$(basename "$f")" "$c" "$x" "$(echo "$c / $x" | bc -l)"
done
vkey="$PWD/keys/demo-recorder.vkey"
explain() { # FILE
  seal "$1"
  ffmpeg -v error -y -i "$1" -t 1800 -c copy "$tmp/a.m4a"
  ffmpeg -v error -y -ss 1805 -i "$1" -c copy "$tmp/b.m4a"
  printf "file '%s'\nfile '%s'\n" "$tmp/a.m4a" "$tmp/b.m4a" > "$tmp/l.txt"
  ffmpeg -v error -y -f concat -safe 0 -i "$tmp/l.txt" -c copy "$tmp/s/rec.m4a"
  rc=0; /usr/bin/time -v "$cs" verify "$tmp/s" --trust "$vkey" > "$tmp/v.out" 2> "$tmp/time" || rc=$?
  # verify exits non-zero for the cut; show what it reported, so a failure of trust is not timed.
  echo "verify exit $rc:"; grep -i 'removed' "$tmp/v.out" || { cat "$tmp/v.out" "$tmp/time"; exit 1; }
  printf '== verify %s with 5 s cut at 30:00: %s s wall, peak %s kB\n' "$(basename "$1")" \
    "$(grep 'Elapsed (wall' "$tmp/time" | awk '{print $NF}')" "$(grep 'Maximum resident' "$tmp/time" | awk '{print $NF}')"
}
explain "$aac1"
[ -s "$aac2" ] || ffmpeg -v error -y -f lavfi -i "$(noise 44100 7200)" -ac 1 -c:a aac -b:a 48k "$aac2"
explain "$aac2"
