#!/usr/bin/env bash
# Comparing a 1-hour session with a 1-hour independent recording, side by
# side in one run with the FFmpeg tool decoding both files:
#   courtseal compare S dictaphone.mp3 --trust KEY --json
#   ffmpeg -i hearing.m4a -f null -  and  ffmpeg -i dictaphone.mp3 -f null -
# The speech is espeak-ng (five voices, sentences that do not repeat), the
# official AAC 64 kb/s mono 48 kHz, the independent one phone-band with echo
# and noise, 0.05% fast, MP3 32 kb/s mono 22.05 kHz, with 60 s cut out of
# the official at 30:00. Peak memory from /usr/bin/time -v.
#   bash bench/compare.sh [MINUTES]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
minutes=${1:-60}
cache=bench/.cache
mkdir -p "$cache"
speech="$cache/speech-${minutes}m.wav"
if [ ! -s "$speech" ]; then
  echo "generating $speech ($minutes min of speech)..."
  tmp=$(mktemp -d)
  subj=(witness clerk neighbour driver accountant brother officer landlord teacher nurse)
  verb=(saw signed carried repaired sold painted counted opened described forgot)
  obj=("a green truck" "the blue contract" "forty boxes" "the old bridge" "a broken window" "the second invoice" "three horses" "a wooden ladder" "the night train" "a silver watch")
  voices=(en-us en-gb en-gb-scotland en+f3 en-us+m3)
  n=$((minutes * 10))
  for v in 0 1 2 3 4; do
    : > "$tmp/t$v.txt"
  done
  for i in $(seq 1 "$n"); do
    v=$(( (i / 20) % 5 ))
    echo "The ${subj[$((i % 10))]} ${verb[$(((i / 10) % 10))]} ${obj[$(((i / 100 + i) % 10))]}, statement number $i." >> "$tmp/t$v.txt"
  done
  for v in 0 1 2 3 4; do
    espeak-ng -v "${voices[$v]}" -s 150 -f "$tmp/t$v.txt" -w "$tmp/v$v.wav"
  done
  ffmpeg -v error -y -i "$tmp/v0.wav" -i "$tmp/v1.wav" -i "$tmp/v2.wav" -i "$tmp/v3.wav" -i "$tmp/v4.wav" \
    -filter_complex "[0][1][2][3][4]concat=n=5:v=0:a=1,aresample=48000" -t $((minutes * 60)) "$speech"
  rm -rf "$tmp"
fi
cargo build --release --quiet
cs="$PWD/target/release/courtseal"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/s"
half=$((minutes * 30))
ffmpeg -v error -y -i "$speech" -af "aselect='not(between(t,$half,$((half + 60))))',asetpts=N/SR/TB" \
  -c:a aac -b:a 64k -metadata creation_time=2026-11-20T05:00:00Z "$work/s/hearing.m4a"
ffmpeg -v error -y -i "$speech" -filter_complex \
  "highpass=f=300,lowpass=f=3400,aecho=0.8:0.6:35:0.3,asetrate=48000*1.0005,aresample=48000[s];anoisesrc=d=$((minutes * 60 + 10)):r=48000:a=0.01[n];[s][n]amix=inputs=2:duration=first:normalize=0" \
  -ac 1 -ar 22050 -c:a libmp3lame -b:a 32k "$work/dictaphone.mp3"
cp keys/demo-recorder.key "$work/demo-recorder.key"
chmod 600 "$work/demo-recorder.key"
"$cs" seal "$work/s" --key "$work/demo-recorder.key" --origin bench.example/compare || true
now() { date +%s.%N; }
t0=$(now); ffmpeg -v error -i "$work/s/hearing.m4a" -f null -; ffmpeg -v error -i "$work/dictaphone.mp3" -f null -; t1=$(now)
/usr/bin/time -v -o "$work/time.txt" "$cs" compare "$work/s" "$work/dictaphone.mp3" --trust keys/demo-recorder.vkey --json > "$work/out.json" || true
t2=$(now)
echo "ffmpeg decode of both: $(echo "$t1 - $t0" | bc -l) s"
echo "courtseal compare:     $(echo "$t2 - $t1" | bc -l) s"
grep "Maximum resident" "$work/time.txt"
# Every stretch reported, not only the first (the cut is 60 s at 30:00).
jq -r '.missing_from_official[] | "missing from the official: \(.from) to \(.to), \(.seconds * 10 | round / 10) s (independent \(.independent_from * 10 | round / 10)-\(.independent_to * 10 | round / 10) s)"' "$work/out.json"
jq -r '"missing from the independent: \(.missing_from_independent | length) stretches; drift \(.drift_ppm) ppm"' "$work/out.json"
