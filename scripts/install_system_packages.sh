#!/usr/bin/env bash
# Debian packages the full test suite needs beside the Python ones: Chromium for the browser
# tests of the widget and the eval report, npm for axe-core (the widget's accessibility checks
# install it from the npm registry into .cache/node on first use). Called by `make setup-test`;
# says what it installs.
# Needs root (or passwordless sudo) and Debian's package mirrors; skips what is already there.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -eq 0 ]; then
  echo "system packages: chromium and npm already installed"
  exit 0
fi
echo "system packages: installing ${need[*]} with apt-get (Debian; chromium about 300 MB on disk, npm about 100 MB)"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "system packages: installed ${need[*]}"
