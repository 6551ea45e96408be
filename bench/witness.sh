#!/usr/bin/env bash
# Witnessing cost: the time from a segment finished to its checkpoint
# cosigned by two local litewitness instances (`seal --policy`, which returns
# once both cosigned), against sealing without a policy; and sealing latency
# with both witnesses down (nothing listens on their ports). Each run seals
# one new segment (a copy of a sample segment, media reading without silence
# detection); medians of RUNS runs. Needs litewitness (scripts/setup.sh).
#   bash bench/witness.sh [RUNS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-20}
cargo build --release --quiet
cs="$PWD/target/release/courtseal"
lw="${COURTSEAL_LITEWITNESS_DIR:-$PWD/.cache/litewitness/usr/bin}"
[ -x "$lw/litewitness" ] || { echo "litewitness is missing: run scripts/setup.sh" >&2; exit 2; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
origin=bench.court.example
"$cs" keys generate --name "$origin" --out "$work" >/dev/null
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
trust="recorder $(cat "$work/$origin.vkey")"
for i in 0 1; do
  d="$work/w$i"; mkdir "$d"
  ssh-keygen -q -t ed25519 -N '' -C "w$i" -f "$d/key"
  ssh-agent -D -a "$d/agent.sock" >/dev/null 2>&1 & pids+=($!)
  until [ -S "$d/agent.sock" ]; do sleep 0.02; done
  SSH_AUTH_SOCK="$d/agent.sock" ssh-add -q "$d/key" 2>/dev/null
  "$lw/witnessctl" add-log -db "$d/db" -origin "$origin" 2>/dev/null
  "$lw/witnessctl" add-key -db "$d/db" -origin "$origin" -key "$(cat "$work/$origin.vkey")" 2>/dev/null
  port=$(free_port)
  fp=$(ssh-keygen -lf "$d/key.pub" | awk '{print $2}')
  "$lw/litewitness" -db "$d/db" -name "witness$i.bench.example/w" -key "$fp" \
    -ssh-agent "$d/agent.sock" -listen "127.0.0.1:$port" 2>"$d/log" & pids+=($!)
  until grep -q 'msg=listening' "$d/log" 2>/dev/null; do sleep 0.02; done
  vkey=$(sed -n 's/.*msg="verifier key" vkey=//p' "$d/log")
  trust="$trust
witness $vkey http://127.0.0.1:$port"
done
printf '%s\nquorum 2\n' "$trust" > "$work/trust.txt"
# Both witnesses down: the same witnesses at ports where nothing listens
# (connection refused, as for a stopped litewitness), so that the three
# cases can be measured interleaved on a shared machine.
down_trust="$(cat "$work/trust.txt")"
for i in 0 1; do
  port=$(sed -n "s/^witness witness$i.* http:\/\/127.0.0.1://p" "$work/trust.txt")
  down_trust="${down_trust/127.0.0.1:$port/127.0.0.1:$(free_port)}"
done
printf '%s\n' "$down_trust" > "$work/down.txt"
seg=samples/session-2026-11-20-courtroom5/seg-0001.m4a
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
one() { # SESSION N ARGS...: seconds of one `seal` of SESSION after a new segment
  local s="$1" n="$2"; shift 2
  cp "$seg" "$work/$s/seg-$n.m4a"
  local t0 t1; t0=$(date +%s.%N)
  "$cs" seal "$work/$s" --key "$work/$origin.key" --origin "$origin" --no-silence "$@" >/dev/null 2>"$work/$s.err"
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l >> "$work/$s.times"
}
for s in plain witnessed down; do mkdir "$work/$s"; done
one plain 0; one witnessed 0 --policy "$work/trust.txt"; one down 0 --policy "$work/down.txt"
for s in plain witnessed down; do : > "$work/$s.times"; done
for n in $(seq 1 "$runs"); do
  one plain "$n"
  one witnessed "$n" --policy "$work/trust.txt"
  [ "$(grep -c 'cosigned the checkpoint' "$work/witnessed.err")" = 2 ] || { echo "not cosigned by both: $(cat "$work/witnessed.err")" >&2; exit 1; }
  one down "$n" --policy "$work/down.txt"
  [ "$(grep -c 'witness.unreachable' "$work/down.err")" = 2 ] || { echo "expected witness.unreachable: $(cat "$work/down.err")" >&2; exit 1; }
done
show() { printf '%-44s median %6.1f ms over %s runs\n' "$1" "$(echo "$(median < "$work/$2.times") * 1000" | bc -l)" "$runs"; }
show "seal, no policy" plain
show "seal --policy, two litewitness cosign" witnessed
show "seal --policy, both witnesses down" down
