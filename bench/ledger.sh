#!/usr/bin/env bash
# Verifying sessions whose checkpoints are in a courtroom ledger of 10,000
# checkpoints, each cosigned by two witnesses (issue 12's target: under 1 s).
# The material is made by examples/ledger_bench.rs in the formats
# `seal --ledger` writes (one ledger checkpoint per session checkpoint, its
# cosignatures, the inclusion proof kept in the session), without the
# sealing path's fsyncs. Two ledgers:
#   A: one session with 10,000 heartbeat checkpoints (every evidence file
#      of the session is checked: 10,000 inclusion proofs, 10,000 ledger
#      signatures, 20,000 cosignatures, 10,000 recorder checkpoints);
#   B: 100 sessions of 100 checkpoints; the last session is verified.
# Each verify runs with the ledger's folder in the trust line (the session
# is also compared with the ledger's whole log), with the ledger and
# witnesses but no folder, and, as the reference, with the recorder key
# alone (the session's own checkpoints; the ledger evidence is not checked).
# Medians of RUNS runs, wall and CPU time (GNU time), and the load average
# before each case.
#   bash bench/ledger.sh [RUNS]
#   BEFORE=OLD-COURTSEAL bash bench/ledger.sh [RUNS]
#   CASES=A bash bench/ledger.sh [RUNS]       (only case A)
# With BEFORE, the same material is verified in the same rounds by that
# binary too (each round runs the two one after the other), for a before
# and after side by side.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-5}
cargo build --release --locked --quiet --bin courtseal --example ledger_bench --example verify_floor
cs="$PWD/target/release/courtseal"
gen="$PWD/target/release/examples/ledger_bench"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$cs" keys generate --name recorder5 --out "$work" >/dev/null
"$cs" keys generate --name ledger.bench.court.example --out "$work" >/dev/null
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
case_() { # NAME SESSIONS PER SESSION-TO-VERIFY
  local name="$1" d="$work/$1"
  mkdir "$d"
  local t0 t1; t0=$(date +%s.%N)
  "$gen" "$d" "$2" "$3" "$work/recorder5.key" "$work/ledger.bench.court.example.key" > "$d/trust.txt"
  t1=$(date +%s.%N)
  printf '%s: made %s sessions x %s checkpoints in %.1f s\n' "$name" "$2" "$3" "$(echo "$t1 - $t0" | bc -l)"
  grep -v '^ledger' "$d/trust.txt" > "$d/nofolder.txt"
  sed -n 's/^ledger \([^ ]*\) ledger$/ledger \1/p' "$d/trust.txt" >> "$d/nofolder.txt"
  grep '^recorder' "$d/trust.txt" > "$d/recorder.txt"
  echo "  load: $(uptime | sed 's/.*load average/load average/')"
  for t in trust nofolder recorder; do
    for b in "${bins[@]}"; do : > "$d/$t.$b.times"; : > "$d/$t.$b.cpu"; done
    for _ in $(seq 1 "$runs"); do
      for b in "${bins[@]}"; do
        bin="$cs"; [ "$b" = before ] && bin="$BEFORE"
        code=0
        /usr/bin/time -f '%e %U %S' -o "$d/time.out" "$bin" verify "$d/$4" --trust "$d/$t.txt" --json > "$d/$t.$b.json" 2>&1 || code=$?
        read -r wall user sys < "$d/time.out"
        echo "$wall" >> "$d/$t.$b.times"
        echo "$user + $sys" | bc -l >> "$d/$t.$b.cpu"
        # The ledger cases must verify witnessed, with no finding at all.
        if [ "$t" != recorder ]; then
          [ "$code" = 0 ] && python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(1 if r["findings"] else 0)' "$d/$t.$b.json" \
            || { echo "$name/$t ($b): not a clean verify (exit $code): $(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["findings"][:3])' "$d/$t.$b.json" 2>&1 | head -c 1500)" >&2; exit 1; }
        fi
      done
    done
    for b in "${bins[@]}"; do
      printf '  verify %s, %-14s %-6s median %7.1f ms wall, %7.1f ms CPU (user+sys) over %s runs\n' "$4" "$t.txt" "$b" \
        "$(echo "$(median < "$d/$t.$b.times") * 1000" | bc -l)" "$(echo "$(median < "$d/$t.$b.cpu") * 1000" | bc -l)" "$runs"
    done
  done
}
# The floor: case A is 40,000 strict Ed25519 checks, whatever else is done.
echo "floor, load $(uptime | sed 's/.*load average/load average/'):"
echo "  $("$PWD/target/release/examples/verify_floor" 40000)"
bins=(after)
if [ -n "${BEFORE:-}" ]; then
  [ -x "$BEFORE" ] || { echo "BEFORE=$BEFORE is not an executable" >&2; exit 2; }
  bins=(before after)
fi
for c in ${CASES:-A B}; do
  case "$c" in
    A) case_ A 1 10000 s0000 ;;
    B) case_ B 100 100 s0099 ;;
  esac
done
