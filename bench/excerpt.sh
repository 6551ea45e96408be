#!/usr/bin/env bash
# An excerpt and its proof from a 1-hour segment, and verifying it, side by
# side in one run with the FFmpeg tool's own stream-copy cut of the same
# stretch and sha256sum of the whole segment:
#   courtseal excerpt S hearing-1h.m4a --from 30:00 --to 35:00 -o X --trust KEY
#     (verifies the session first: hashes the hour, checks its windows)
#   ffmpeg -ss 1800 -to 2100 -i hearing-1h.m4a -c copy Y        (reference cut)
#   courtseal verify-file X --proof X.courtseal-proof --trust KEY
#   sha256sum hearing-1h.m4a                                  (reference hash)
# on 1 h of AAC (48 kHz mono, 64 kb/s), generated once into bench/.cache/.
#   bash bench/excerpt.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-3}
cargo build --release --quiet
cs="$PWD/target/release/courtseal"
key="$PWD/keys/demo-recorder.key"
vkey="$PWD/keys/demo-recorder.vkey"
cache=bench/.cache
mkdir -p "$cache"
aac="$cache/hearing-1h.m4a"
if [ ! -s "$aac" ]; then
  echo "generating $aac (1 h of AAC, 48 kHz mono, 64 kb/s)..."
  ffmpeg -v error -y -f lavfi -i "sine=frequency=220:sample_rate=48000:duration=3600" \
    -f lavfi -i "anoisesrc=color=pink:sample_rate=48000:duration=3600:amplitude=0.05:seed=7" \
    -filter_complex amix=inputs=2 -ac 1 -c:a aac -b:a 64k "$aac"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/s"
cp "$aac" "$work/s/hearing-1h.m4a"
cp "$key" "$work/demo-recorder.key"
chmod 600 "$work/demo-recorder.key"
"$cs" seal "$work/s" --key "$work/demo-recorder.key" --origin bench.example/excerpt > /dev/null
cat "$work/s/hearing-1h.m4a" > /dev/null
now() { date +%s.%N; }
best() { echo "if ($1 < $2) $1 else $2" | bc -l; }
bx=999; bf=999; bv=999; bh=999
for r in $(seq 1 "$rounds"); do
  rm -f "$work"/x.m4a* "$work"/y.m4a
  t0=$(now); "$cs" excerpt "$work/s" hearing-1h.m4a --from 30:00 --to 35:00 -o "$work/x.m4a" --trust "$vkey" > /dev/null; t1=$(now)
  x=$(echo "$t1 - $t0" | bc -l)
  t0=$(now); ffmpeg -v error -ss 1800 -to 2100 -i "$work/s/hearing-1h.m4a" -c copy "$work/y.m4a"; t1=$(now)
  f=$(echo "$t1 - $t0" | bc -l)
  t0=$(now); "$cs" verify-file "$work/x.m4a" --proof "$work/x.m4a.courtseal-proof" --trust "$vkey" > /dev/null; t1=$(now)
  v=$(echo "$t1 - $t0" | bc -l)
  t0=$(now); sha256sum "$work/s/hearing-1h.m4a" > /dev/null; t1=$(now)
  h=$(echo "$t1 - $t0" | bc -l)
  printf '  round %s: excerpt %.3f s (ffmpeg -c copy cut %.3f s)   verify-file %.3f s (sha256sum of the hour %.3f s)\n' "$r" "$x" "$f" "$v" "$h"
  bx=$(best "$x" "$bx"); bf=$(best "$f" "$bf"); bv=$(best "$v" "$bv"); bh=$(best "$h" "$bh")
done
printf 'best: excerpt + proof %.3f s (target < 1 s; ffmpeg cut alone %.3f s), verify-file %.3f s (target < 0.5 s; sha256sum of the hour %.3f s)\n' "$bx" "$bf" "$bv" "$bh"
printf 'sizes: segment %s, excerpt %s, proof %s\n' "$(du -h "$work/s/hearing-1h.m4a" | cut -f1)" "$(du -h "$work/x.m4a" | cut -f1)" "$(du -h "$work/x.m4a.courtseal-proof" | cut -f1)"
/usr/bin/time -f 'peak memory: excerpt %M KiB' "$cs" excerpt "$work/s" hearing-1h.m4a --from 10:00 --to 15:00 -o "$work/z.m4a" --trust "$vkey" > /dev/null
/usr/bin/time -f 'peak memory: verify-file %M KiB' "$cs" verify-file "$work/z.m4a" --proof "$work/z.m4a.courtseal-proof" --trust "$vkey" > /dev/null
