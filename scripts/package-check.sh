#!/usr/bin/env bash
# Builds the Debian package, installs it with dpkg -i, runs the installed
# courtseal (its version; a seal and a verify of a copy of the sample
# session; its man page and unit are there), then removes the package.
# Needs root, or sudo, for dpkg.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
deb="$(bash scripts/package.sh)"
tmp="$(mktemp -d)"
cleanup() {
  rm -rf "$tmp"
  if dpkg-query -W -f="${Status}" courtseal 2>/dev/null | grep -q "ok installed"; then $sudo dpkg --purge courtseal >/dev/null; fi
}
trap cleanup EXIT
$sudo dpkg -i "$deb"
/usr/bin/courtseal --version
cp -r samples/session-2026-11-20-courtroom5 "$tmp/s"
install -m 0600 keys/demo-recorder.key "$tmp/demo-recorder.key"
/usr/bin/courtseal seal "$tmp/s" --key "$tmp/demo-recorder.key" --origin court.example/ci/package >/dev/null
/usr/bin/courtseal verify "$tmp/s" --trust keys/demo-recorder.vkey
zcat /usr/share/man/man1/courtseal.1.gz | grep -q '^\.SH COMMAND: verify'
test -f /lib/systemd/system/courtseal-seal@.service
test -x /usr/lib/courtseal/courtseal-hearing
getent passwd courtseal >/dev/null
$sudo dpkg --purge courtseal
test ! -e /usr/bin/courtseal
echo "package: installed, ran and removed $deb"
