#!/usr/bin/env bash
# The courtseal demo: seal the bundled sample session, hand a copy to a
# "lawyer", tamper with another copy, and verify both, printing what each
# user sees. Runs on a scratch copy; the repository is never modified.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
cargo build --release --quiet
cs="$PWD/target/release/courtseal"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r samples/session-2026-11-20-courtroom5 "$work/session"
mkdir "$work/keys"
cp keys/demo-recorder.key keys/demo-recorder.vkey "$work/keys/"
chmod 600 "$work/keys/demo-recorder.key"   # git does not keep file modes

step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; }
run() { ( cd "$work" && "$@" ) || true; }

step "1. Court IT seals the session as it is recorded" \
  courtseal seal session --key keys/demo-recorder.key --origin court.example/district2/courtroom5/2026-11-20
run "$cs" seal session --key keys/demo-recorder.key --origin court.example/district2/courtroom5/2026-11-20

step "2. A party's lawyer verifies a faithful copy with the court's public key" \
  courtseal verify copy --trust keys/demo-recorder.vkey
cp -r "$work/session" "$work/copy"
run "$cs" verify copy --trust keys/demo-recorder.vkey

step "3. Someone tampers with another copy" "(edit 1 byte of seg-0002.m4a, cut 0:05-0:07 out of seg-0001.m4a, delete seg-0004.m4a, add extra.m4a, remux seg-0003.mp4 to Matroska)"
cp -r "$work/session" "$work/tampered"
python3 - "$work/tampered/seg-0002.m4a" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[len(b) // 2] ^= 0x01
open(p, 'wb').write(b)
PY
rm "$work/tampered/seg-0004.m4a"
( cd "$work/tampered"
  ffmpeg -v error -i seg-0001.m4a -t 5 -c copy a.m4a
  ffmpeg -v error -ss 7 -i seg-0001.m4a -c copy b.m4a
  printf "file '%s/a.m4a'\nfile '%s/b.m4a'\n" "$PWD" "$PWD" > ../list.txt
  ffmpeg -v error -f concat -safe 0 -i ../list.txt -c copy -f mp4 seg-0001.m4a.new
  mv seg-0001.m4a.new seg-0001.m4a; rm a.m4a b.m4a
  ffmpeg -v error -i seg-0003.mp4 -map 0 -c copy -f matroska seg-0003.mp4.new
  mv seg-0003.mp4.new seg-0003.mp4 )
cp "$work/tampered/seg-0001.m4a" "$work/tampered/extra.m4a"
printf 'noise' >> "$work/tampered/extra.m4a"
step "4. The lawyer verifies the tampered copy" courtseal verify tampered --trust keys/demo-recorder.vkey
run "$cs" verify tampered --trust keys/demo-recorder.vkey
echo "(exit status $(cd "$work" && "$cs" verify tampered --trust keys/demo-recorder.vkey >/dev/null; echo $?): 1 means findings of severity error)"

step "5. One file on its own: the court issues an offline proof for seg-0003.mp4" \
  courtseal proof session seg-0003.mp4 --trust keys/demo-recorder.vkey -o seg-0003.mp4.tlog-proof
run "$cs" proof session seg-0003.mp4 --trust keys/demo-recorder.vkey -o seg-0003.mp4.tlog-proof
step "   and the lawyer checks the downloaded file with nothing else" \
  courtseal verify-file copy/seg-0003.mp4 --proof seg-0003.mp4.tlog-proof --trust keys/demo-recorder.vkey
run "$cs" verify-file copy/seg-0003.mp4 --proof seg-0003.mp4.tlog-proof --trust keys/demo-recorder.vkey
