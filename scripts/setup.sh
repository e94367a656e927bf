#!/usr/bin/env bash
# Installs everything tagpulse needs on a fresh Debian/Ubuntu machine: npm packages, redis-server and chromium.
# Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
[ -x "${TAGPULSE_CHROMIUM_PATH:-/usr/bin/chromium}" ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} (Debian packages)"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# A system redis-server started by the package is not used by tagpulse (it starts its own on a unix socket).

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  # `npm install` (not `npm ci`): it follows package-lock.json but tolerates the optional per-platform packages
  # (chdb, msgpackr) that npm leaves out of the lock on some systems, which makes `npm ci` refuse.
  npm install --no-audit --no-fund --loglevel=error
fi
echo "setup: ready (node $(node --version), $(redis-server --version | cut -d' ' -f3), $(${TAGPULSE_CHROMIUM_PATH:-/usr/bin/chromium} --version 2>/dev/null || echo 'chromium missing'))"
