#!/usr/bin/env bash
# Builds a Debian package of courtseal from this repository with dpkg-deb:
#   scripts/package.sh [OUT-DIR]   (default: target/debian)
# It holds the binary, a man page made from --help, the systemd unit template
# courtseal-seal@.service with its hearing wrapper, and the docs. Library
# dependencies (FFmpeg's) are found by dpkg-shlibdeps. Install with
# `dpkg -i` (or `apt install ./courtseal_*.deb` to pull the dependencies).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${1:-target/debian}"
cargo build --release --locked --bin courtseal
bin=target/release/courtseal
version="$("$bin" --version | awk '{print $2}')"
arch="$(dpkg --print-architecture)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
root="$stage/courtseal_${version}_$arch"

install -D -m 0755 "$bin" "$root/usr/bin/courtseal"
strip --strip-debug "$root/usr/bin/courtseal"
install -D -m 0755 packaging/courtseal-hearing "$root/usr/lib/courtseal/courtseal-hearing"
install -D -m 0644 packaging/courtseal-seal@.service "$root/lib/systemd/system/courtseal-seal@.service"
install -D -m 0644 packaging/courtroom.conf.example "$root/usr/share/doc/courtseal/examples/courtroom.conf"
for f in README.md docs/service.md docs/record.md docs/findings.md docs/formats.md; do
  install -D -m 0644 "$f" "$root/usr/share/doc/courtseal/$(basename "$f")"
done
install -D -m 0644 /dev/stdin "$root/usr/share/doc/courtseal/copyright" <<COPY
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: courtseal
Files: *
License: Apache-2.0
 On Debian systems the full text is in /usr/share/common-licenses/Apache-2.0.
COPY

# The man page, from --help of every command (roff, one section each).
man="$stage/courtseal.1"
{
  echo ".TH COURTSEAL 1 \"\" \"courtseal $version\" \"User Commands\""
  echo ".SH NAME"
  echo "courtseal \\- tamper-evident sealing and verification of court-session recordings"
  echo ".SH SYNOPSIS"
  echo ".B courtseal"
  echo "[\\fB\\-\\-tz\\fR \\fIZONE\\fR] \\fICOMMAND\\fR ..."
  section() { # TITLE ARGS...
    echo ".SH $1"
    shift
    echo ".nf"
    COLUMNS=80 "$bin" "$@" --help | sed -e 's/\\/\\\\/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\&'/"
    echo ".fi"
  }
  section DESCRIPTION
  for c in $(COLUMNS=80 "$bin" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} /^$/{on=0}'); do
    [ "$c" = help ] && continue
    section "COMMAND: $c" "$c"
  done
  echo ".SH FILES"
  echo "/lib/systemd/system/courtseal-seal@.service, /etc/courtseal/COURTROOM.conf, /var/lib/courtseal/"
  echo ".SH SEE ALSO"
  echo "/usr/share/doc/courtseal/service.md"
} > "$man"
install -d "$root/usr/share/man/man1"
gzip -9n -c "$man" > "$root/usr/share/man/man1/courtseal.1.gz"

# Dependencies of the binary's shared libraries.
mkdir -p "$stage/debian" "$root/DEBIAN"
printf 'Source: courtseal\n' > "$stage/debian/control"
depends="$(cd "$stage" && dpkg-shlibdeps -O "$root/usr/bin/courtseal" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')"
cat > "$root/DEBIAN/control" <<CTRL
Package: courtseal
Version: $version
Architecture: $arch
Maintainer: courtseal maintainers <courtseal@localhost>
Depends: ${depends:-libc6}
Section: utils
Priority: optional
Homepage: https://court.example/courtseal
Installed-Size: $(du -sk "$root" | awk '{print $1}')
Description: tamper-evident sealing of court-session recordings
 Seals audio/video segments of a court hearing into a signed, append-only
 log as they are recorded, and verifies offline that a recording is complete
 and unaltered. Includes courtseal-seal@.service, a sealing service per
 courtroom.
CTRL
cat > "$root/DEBIAN/postinst" <<'POST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  getent passwd courtseal >/dev/null || useradd --system --user-group --home-dir /var/lib/courtseal --no-create-home --shell /usr/sbin/nologin courtseal
  install -d -o courtseal -g courtseal -m 0750 /var/lib/courtseal
  install -d -m 0750 -g courtseal /etc/courtseal
  if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
fi
exit 0
POST
cat > "$root/DEBIAN/postrm" <<'POST'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
# Recordings in /var/lib/courtseal and keys in /etc/courtseal are never removed.
exit 0
POST
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/postrm"
mkdir -p "$out"
fakeroot dpkg-deb --build -Zxz "$root" "$out" >/dev/null
echo "$out/courtseal_${version}_$arch.deb"
