#!/usr/bin/env bash
# Remakes the pre-sealed fixture sessions of the golden CLI tests in
# tests/golden/fixtures/. The tests never run this: they use the committed
# files, so that what they pin is what a court's copy looks like on disk.
#
# Run it only when the sealed formats change, then regenerate the expected
# output with `TRYCMD=overwrite cargo test --release --locked --test golden`
# and review the diff. New fixtures have new hashes and sealing times, so
# every golden that prints them changes.
#
# Needs ffmpeg and a release build of courtseal (it builds one). Uses the demo
# keys in keys/. The whole tree stays well under 200 KB: three 3-second mono
# AAC segments (sine tones, 16 kb/s).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"
cargo build --release --locked --quiet
cs="$repo/target/release/courtseal"

fx="$here/fixtures"
rm -rf "$fx"
mkdir -p "$fx"
cd "$fx"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The recorder's key must be 0600, which git does not keep: use a copy.
install -m 0600 "$repo/keys/demo-recorder.key" "$work/demo-recorder.key"
printf 'recorder %s\noperator %s\n' "$(cat "$repo/keys/demo-recorder.vkey")" \
  "$(cat "$repo/keys/demo-secretary.vkey")" > trust.txt
cp "$repo/keys/demo-recorder.vkey" demo-recorder.vkey

# Three consecutive segments, 3 s each, declared to start at 04:00:00Z,
# 04:00:03Z and 04:00:06Z (09:00:00+05:00 ... in Asia/Almaty). Bit-exact, no metadata but
# creation_time, so two runs with the same ffmpeg give the same bytes.
seg() { # N FREQ START
  ffmpeg -v error -y -f lavfi -i "sine=frequency=$2:sample_rate=16000:duration=3" \
    -ac 1 -c:a aac -b:a 16k -map_metadata -1 -fflags +bitexact -flags:a +bitexact \
    -metadata creation_time="$3" "$work/seg-000$1.m4a"
}
seg 1 440 2026-11-20T04:00:00Z
seg 2 550 2026-11-20T04:00:03Z
seg 3 660 2026-11-20T04:00:06Z

record() { # END
  cat <<EOF
court = "District Court No. 2"
courtroom = "5"
case = "2-1234/2026"
case_title = "Ivanova v. Petrov"
judge = "A. B. Seitkali"
secretary = "D. E. Omarova"
place = "Almaty"
time_zone = "Asia/Almaty"
start = 2026-11-20T09:00:00+05:00
end = $1
stenography = false
finalised = 2026-11-21
[[appearance]]
role = "plaintiff"
name = "M. Ivanova"
EOF
}

seal() { # DIR ORIGIN
  "$cs" seal "$1" --key "$work/demo-recorder.key" --origin "$2" >/dev/null
}

# clean: segments 1 and 2, sealed, with a record that declares 0-6 s.
mkdir clean
cp "$work/seg-0001.m4a" "$work/seg-0002.m4a" clean/
record 2026-11-20T09:00:06+05:00 > clean/record.toml
seal clean court.example/golden/clean

# gap: segments 1 and 3 sealed, the record declares 0-9 s: 3 s undeclared.
mkdir gap
cp "$work/seg-0001.m4a" "$work/seg-0003.m4a" gap/
record 2026-11-20T09:00:09+05:00 > gap/record.toml
seal gap court.example/golden/gap

# Tampered copies of clean, each with one change after sealing.
cp -r clean flipped
python3 - flipped/seg-0002.m4a <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x01  # one bit, in the middle of the audio data
open(p, "wb").write(b)
EOF
cp -r clean deleted
rm deleted/seg-0002.m4a
cp -r clean added
cp "$work/seg-0003.m4a" added/

# A downloaded copy of segment 1 with its proof (and the packet-window file
# `courtseal proof` writes next to it), and a changed copy with the same proof.
mkdir -p download/ok download/changed
cp clean/seg-0001.m4a download/ok/
"$cs" proof clean seg-0001.m4a --trust demo-recorder.vkey -o download/ok/seg-0001.m4a.tlog-proof >/dev/null
cp download/ok/* download/changed/
python3 - download/changed/seg-0001.m4a <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x01
open(p, "wb").write(b)
EOF

# Records for `record check`: a good one, and one that parses but has four
# problems (empty case, end before start, a break outside the session, with
# an offset that is not Asia/Almaty's, and of an unknown kind), each reported with its line.
mkdir records
cp clean/record.toml records/good.toml
cat > records/bad.toml <<'EOF'
court = "District Court No. 2"
case = ""
judge = "A. B. Seitkali"
secretary = "D. E. Omarova"
time_zone = "Asia/Almaty"
start = 2026-11-20T09:00:00+05:00
end = 2026-11-20T08:00:00+05:00
stenography = false
[[break]]
from = 2026-11-20T10:00:01+06:00
to = 2026-11-20T09:00:02+05:00
kind = "lunch"
EOF

du -sh --apparent-size "$fx"
