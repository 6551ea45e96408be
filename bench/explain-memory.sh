#!/usr/bin/env bash
# Peak memory and wall time of `verify` explaining a changed recording, at
# 1 h, 2 h and 4 h, in one run: 48 kb/s AAC (as bench/seal-vs-ffmpeg.sh
# makes it) sealed, then 5 s cut out at 30:00 by stream copy (concat), then
#   /usr/bin/time -v courtseal verify DIR --trust KEY
# which must report the cut (`segment.content_removed`). With BEFORE=BINARY
# the same copies are verified by that binary too, side by side.
#   bash bench/explain-memory.sh            # or HOURS="1 2" bash ...
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release --locked --quiet --bin courtseal
cs="$PWD/target/release/courtseal"
cache=bench/.cache
mkdir -p "$cache"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp keys/demo-recorder.key "$tmp/demo-recorder.key"; chmod 600 "$tmp/demo-recorder.key"
vkey="$PWD/keys/demo-recorder.vkey"
uptime
for h in ${HOURS:-1 2 4}; do
  f="$cache/hearing-${h}h-aac48k.m4a"
  [ -s "$f" ] || ffmpeg -v error -y -f lavfi \
    -i "anoisesrc=color=pink:sample_rate=44100:duration=$((h * 3600)):amplitude=0.1:seed=3" \
    -ac 1 -c:a aac -b:a 48k "$f"
  rm -rf "$tmp/s"; mkdir "$tmp/s"; cp "$f" "$tmp/s/rec.m4a"
  "$cs" seal "$tmp/s" --key "$tmp/demo-recorder.key" --origin bench.example/seal > /dev/null
  ffmpeg -v error -y -i "$f" -t 1800 -c copy "$tmp/a.m4a"
  ffmpeg -v error -y -ss 1805 -i "$f" -c copy "$tmp/b.m4a"
  printf "file '%s'\nfile '%s'\n" "$tmp/a.m4a" "$tmp/b.m4a" > "$tmp/l.txt"
  ffmpeg -v error -y -f concat -safe 0 -i "$tmp/l.txt" -c copy "$tmp/s/rec.m4a"
  for bin in ${BEFORE:+"$BEFORE"} "$cs"; do
    rc=0; /usr/bin/time -v "$bin" verify "$tmp/s" --trust "$vkey" > "$tmp/v.out" 2> "$tmp/time" || rc=$?
    grep -q 'removed' "$tmp/v.out" || { echo "verify exit $rc did not report the cut:"; cat "$tmp/v.out" "$tmp/time"; exit 1; }
    printf '== %d h, %s: %s s wall, peak %s kB RSS; %s\n' "$h" \
      "$([ "$bin" = "$cs" ] && echo this || echo before)" \
      "$(grep 'Elapsed (wall' "$tmp/time" | awk '{print $NF}')" \
      "$(grep 'Maximum resident' "$tmp/time" | awk '{print $NF}')" \
      "$(grep -o 'content_removed[^"]*' "$tmp/v.out" | head -1)"
    [ -z "${KEEP_OUT:-}" ] || cp "$tmp/v.out" "$KEEP_OUT.$h.$([ "$bin" = "$cs" ] && echo this || echo before)"
  done
  [ -z "${HEAPTRACK:-}" ] || heaptrack -o "$HEAPTRACK.$h" "$cs" verify "$tmp/s" --trust "$vkey" > /dev/null 2>&1 || true
done
uptime
