#!/usr/bin/env bash
# Debian packages the full test suite needs beside the Python ones: Chromium for the browser
# tests of the widget and the eval report, npm for axe-core (the widget's accessibility checks
# install it from the npm registry into .cache/node on first use), PostgreSQL and Redis servers
# for the shared-state and multi-process tests (the tests start their own throw-away servers on
# loopback ports; nothing is started or enabled system-wide). Called by `make setup-test`; says
# what it installs.
# Needs root (or passwordless sudo) and Debian's package mirrors; skips what is already there.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v npm >/dev/null 2>&1 || need+=(npm)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -eq 0 ]; then
  echo "system packages: chromium, npm, postgresql and redis-server already installed"
  exit 0
fi
echo "system packages: installing ${need[*]} with apt-get (Debian; chromium about 300 MB on disk, npm about 100 MB, postgresql about 60 MB, redis-server about 10 MB)"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
# policy-rc.d 101: the packages' own services are not started (the tests start private servers).
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "system packages: installed ${need[*]}"
