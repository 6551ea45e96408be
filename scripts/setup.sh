#!/usr/bin/env bash
# Installs what courtseal needs on a fresh Debian 12 machine, skipping what is
# already there: build tools for the Rust crates, FFmpeg (libraries for the
# media reader; the command-line tool for samples and benchmarks), OpenSSL for
# the key interoperability checks, Chromium to render the HTML reports in
# tests, Python's `cryptography` for the independent verifier used in tests,
# the Library of Congress `bagit` to validate exported bags, and the rustfmt
# and clippy components for CI's checks.
set -euo pipefail

need_apt=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in build-essential pkg-config clang libclang-dev openssl ffmpeg \
         libavformat-dev libavcodec-dev libavutil-dev libavfilter-dev libavdevice-dev \
         libswscale-dev libswresample-dev python3-pip chromium espeak-ng; do
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
