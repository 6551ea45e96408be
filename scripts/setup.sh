#!/usr/bin/env bash
# Installs what courtseal needs on a fresh Debian 12 machine, skipping what is
# already there: build tools for the Rust crates, FFmpeg (libraries for the
# media reader; the command-line tool for samples and benchmarks), OpenSSL for
# the key interoperability checks, Chromium to render the HTML reports in
# tests, Python's `cryptography` for the independent verifier used in tests,
# the Library of Congress `bagit` to validate exported bags, litewitness (a
# real tlog-witness, with ssh-agent for its key) for the witness tests, and
# the rustfmt and clippy components for CI's checks.
set -euo pipefail

need_apt=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in build-essential pkg-config clang libclang-dev openssl ffmpeg \
         libavformat-dev libavcodec-dev libavutil-dev libavfilter-dev libavdevice-dev \
         libswscale-dev libswresample-dev python3-pip chromium espeak-ng \
         openssh-client; do
  have_pkg "$p" || need_apt+=("$p")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
if ! command -v cargo >/dev/null; then
  echo "setup: Rust is missing; install it from https://rustup.rs and run again" >&2
  exit 2
fi
for py in cryptography bagit; do
  if ! python3 -c "import $py" 2>/dev/null || { [ "$py" = bagit ] && ! command -v bagit.py >/dev/null; }; then
    echo "setup: installing Python package $py"
    python3 -m pip install -q "$py" 2>/dev/null \
      || python3 -m pip install -q --break-system-packages "$py"
  fi
done
# litewitness and witnessctl, from Debian's `torchwood` package of the release
# after trixie (forky), which this Debian 12 machine cannot install: a private
# apt configuration (its own sources list, state and cache below the cache
# folder, the system's Debian archive keyring) reuses the mirror already
# configured for this machine with that suite, downloads the package and
# unpacks it into .cache/litewitness/ (git-ignored). The system's sources are
# never changed. The binaries are static Go programs needing glibc >= 2.34.
# Tests find them there, or in $COURTSEAL_LITEWITNESS_DIR.
lw_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.cache/litewitness"
if [ -x "$lw_dir/usr/bin/litewitness" ] && [ -x "$lw_dir/usr/bin/witnessctl" ]; then
  :
else
  echo "setup: fetching litewitness (Debian package torchwood, suite forky) into .cache/litewitness"
  apt_dir="$lw_dir/apt"
  mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial" \
           "$apt_dir/preferences.d" "$apt_dir/pkg"
  sources=/etc/apt/sources.list.d/debian.sources
  uri=""
  if [ -r "$sources" ]; then
    uri="$(sed -n 's/^URIs:[[:space:]]*//p' "$sources" | tr ' ' '\n' | grep -v -- '-security' | grep . | head -n1 || true)"
  fi
  if [ -z "$uri" ]; then
    echo "setup: no Debian mirror found in $sources (a URIs: line); litewitness is not installed" >&2
    exit 2
  fi
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s forky main\n' "$uri" \
    > "$apt_dir/sources.list"
  apt_opts=(-o Dir::State="$apt_dir/state" -o Dir::Cache="$apt_dir/cache"
            -o Dir::Etc::sourcelist="$apt_dir/sources.list" -o Dir::Etc::sourceparts=-
            -o Dir::Etc::preferencesparts="$apt_dir/preferences.d"
            -o Dir::State::status=/dev/null)
  # As root, apt would hand the download to its _apt user, who cannot write here.
  [ "$(id -u)" -ne 0 ] || apt_opts+=(-o APT::Sandbox::User=root)
  apt-get "${apt_opts[@]}" update -qq
  rm -f "$apt_dir/pkg"/torchwood_*.deb
  (cd "$apt_dir/pkg" && apt-get "${apt_opts[@]}" download -qq torchwood)
  dpkg-deb -x "$apt_dir/pkg"/torchwood_*.deb "$lw_dir"
  [ -x "$lw_dir/usr/bin/litewitness" ] && [ -x "$lw_dir/usr/bin/witnessctl" ] || {
    echo "setup: the torchwood package holds no litewitness/witnessctl" >&2
    exit 2
  }
fi
# rustfmt and clippy, for the checks in .ci/run. They usually come with the
# toolchain; a missing one is added with rustup (which needs the network), and
# if that fails the check that needs it fails with its own message.
for pair in fmt:rustfmt clippy:clippy; do
  sub="${pair%%:*}" component="${pair#*:}"
  if ! cargo "$sub" --version >/dev/null 2>&1; then
    echo "setup: installing Rust component $component"
    command -v rustup >/dev/null && rustup component add "$component" \
      || echo "setup: could not install $component" >&2
  fi
done
