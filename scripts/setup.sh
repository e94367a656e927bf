#!/usr/bin/env bash
# Installs what tagpulse and its tests need, on Debian/Ubuntu (apt), other Linux, or macOS (Homebrew):
# Node >= 20.11 and npm (checked, with advice: they are not installed here), npm packages, redis-server and a Chromium.
# Idempotent: installs only what is missing. Works as root without sudo; otherwise uses sudo when it may, and says
# what it needs when it may not. TAGPULSE_SETUP_DRY_RUN=1 prints what it would do and changes nothing (tests use it).
#
# Chromium: a system Chromium (apt `chromium`, or chromium/chromium-browser/google-chrome on PATH, or TAGPULSE_CHROMIUM_PATH)
# is used when there is one. Without one (e.g. Ubuntu, where `chromium` is only a snap), it falls back to Playwright's
# own build (`npx playwright install chromium`) and records its path in .tmp/chromium-path, which every test reads
# (tests/helpers/chromium.ts, playwright.config.ts); export TAGPULSE_CHROMIUM_PATH for `tagpulse run` yourself.
# That fallback downloads a browser and is NOT exercised on the development machine (no internet there beyond npm).
set -euo pipefail
cd "$(dirname "$0")/.."

DRY="${TAGPULSE_SETUP_DRY_RUN:-}"
say() { printf 'setup: %s\n' "$*"; }
fail() { printf 'setup: %s\n' "$*" >&2; exit 1; }
run() { if [ -n "$DRY" ]; then say "would run: $*"; else "$@"; fi; }

OS="$(uname -s)"

# --- 1. Node >= 20.11 and npm (import.meta.dirname needs 20.11) -------------------------------------------------
node_advice() {
  cat >&2 <<'EOF'
setup: tagpulse needs Node.js >= 20.11 and npm. Install them with one of:
  - nvm (any Linux or macOS, no root):  curl -o- https://raw.githubusercontent.com/nvm-sh/nvm/v0.40.1/install.sh | bash
                                        then: nvm install 20
  - NodeSource (Debian/Ubuntu):         curl -fsSL https://deb.nodesource.com/setup_20.x | sudo -E bash - && sudo apt-get install -y nodejs
  - Homebrew (macOS):                   brew install node@20 && brew link --overwrite node@20
then run scripts/setup.sh again.
EOF
}
if ! command -v node >/dev/null 2>&1; then
  say "Node.js was not found on PATH."
  node_advice
  exit 1
fi
NODE_VERSION="$(node --version 2>/dev/null | sed 's/^v//')"
NODE_MAJOR="${NODE_VERSION%%.*}"
NODE_MINOR="$(printf '%s' "$NODE_VERSION" | cut -d. -f2)"
if ! [ "$NODE_MAJOR" -gt 20 ] 2>/dev/null && ! { [ "$NODE_MAJOR" -eq 20 ] 2>/dev/null && [ "$NODE_MINOR" -ge 11 ]; }; then
  say "Node.js $NODE_VERSION is too old."
  node_advice
  exit 1
fi
if ! command -v npm >/dev/null 2>&1; then
  say "npm was not found on PATH (Node.js $NODE_VERSION is)."
  node_advice
  exit 1
fi

# --- 2. How to install system packages ---------------------------------------------------------------------------
SUDO=""
CAN_INSTALL=1
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && { [ -n "$DRY" ] || sudo -n true 2>/dev/null || [ -t 0 ]; }; then SUDO="sudo"; else CAN_INSTALL=0; fi
fi
PM=""
if command -v apt-get >/dev/null 2>&1; then PM=apt; elif [ "$OS" = Darwin ] && command -v brew >/dev/null 2>&1; then PM=brew; SUDO=""; CAN_INSTALL=1; fi

install_pkgs() { # package names for the package manager; returns non-zero if it could not install
  case "$PM" in
    apt)
      if [ "$CAN_INSTALL" -eq 0 ]; then say "installing $* needs root: run this script as root or with sudo rights, or install them yourself (apt-get install $*)"; return 1; fi
      run $SUDO apt-get update -qq && run $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" ;;
    brew) run brew install "$@" ;;
    *) say "no supported package manager (apt or Homebrew) here: install $* yourself"; return 1 ;;
  esac
}

# --- 3. Redis (tagpulse starts its own redis-server on a unix socket) --------------------------------------------
if ! command -v redis-server >/dev/null 2>&1; then
  say "installing redis-server"
  if [ "$PM" = brew ]; then install_pkgs redis || fail "could not install Redis: brew install redis"; else install_pkgs redis-server || fail "Redis is required (the queue): install redis-server and run setup again"; fi
fi

# --- 4. npm packages ---------------------------------------------------------------------------------------------
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  # `npm install` (not `npm ci`): it follows package-lock.json but tolerates the optional per-platform packages
  # (chdb, msgpackr) that npm leaves out of the lock on some systems, which makes `npm ci` refuse. It does not
  # rewrite the committed lock (tests/unit/deploy/clean-tree.test.ts checks that).
  run npm install --no-audit --no-fund --loglevel=error
fi
# Compile to dist/ (bin/tagpulse.js runs it) unless it is already newer than src/. `npm install` does this too
# (prepare), but not when node_modules was already there.
run node scripts/build.mjs --if-stale

# --- 5. Chromium -------------------------------------------------------------------------------------------------
find_chromium() {
  if [ -n "${TAGPULSE_CHROMIUM_PATH:-}" ] && [ -x "$TAGPULSE_CHROMIUM_PATH" ]; then printf '%s' "$TAGPULSE_CHROMIUM_PATH"; return 0; fi
  local c p
  for c in chromium chromium-browser google-chrome google-chrome-stable; do
    p="$(command -v "$c" 2>/dev/null || true)"
    # Ubuntu's chromium-browser without the snap is a stub that only explains how to get the snap.
    if [ -n "$p" ] && "$p" --version >/dev/null 2>&1; then printf '%s' "$p"; return 0; fi
  done
  if [ "$OS" = Darwin ]; then
    for p in "/Applications/Chromium.app/Contents/MacOS/Chromium" "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"; do
      if [ -x "$p" ]; then printf '%s' "$p"; return 0; fi
    done
  fi
  return 1
}
CHROMIUM="$(find_chromium || true)"
if [ -z "$CHROMIUM" ] && [ "$PM" = apt ]; then
  say "installing chromium (Debian package)"
  if install_pkgs chromium; then CHROMIUM="$(find_chromium || true)"; else say "the chromium package is not available here (Ubuntu ships it only as a snap)"; fi
fi
if [ -z "$CHROMIUM" ]; then
  # Untested on the development machine (it cannot download browsers): Playwright's own Chromium build.
  say "no system Chromium: installing Playwright's Chromium (npx playwright install chromium)"
  if [ "$PM" = apt ] && [ "$CAN_INSTALL" -eq 1 ]; then run $SUDO npx playwright install-deps chromium || say "could not install Chromium's system libraries (npx playwright install-deps chromium); the browser may not start"; fi
  run npx playwright install chromium
  if [ -n "$DRY" ]; then CHROMIUM="<playwright's chromium>"; else CHROMIUM="$(node -e "process.stdout.write(require('playwright-core').chromium.executablePath())")"; fi
  [ -n "$DRY" ] || [ -x "$CHROMIUM" ] || fail "Playwright's Chromium was not found at $CHROMIUM; set TAGPULSE_CHROMIUM_PATH to a Chromium and run setup again"
fi
if [ "$CHROMIUM" != "/usr/bin/chromium" ]; then
  # Every test reads this file when TAGPULSE_CHROMIUM_PATH is unset (.tmp/ is ignored by git).
  if [ -n "$DRY" ]; then say "would record $CHROMIUM in .tmp/chromium-path"; else mkdir -p .tmp && printf '%s\n' "$CHROMIUM" > .tmp/chromium-path; fi
  say "Chromium: $CHROMIUM — for tagpulse itself: export TAGPULSE_CHROMIUM_PATH=\"$CHROMIUM\""
elif [ -z "$DRY" ]; then rm -f .tmp/chromium-path
fi

if [ -n "$DRY" ]; then say "dry run: nothing was changed"; exit 0; fi
echo "setup: ready (node $(node --version), $(redis-server --version | cut -d' ' -f3), $("$CHROMIUM" --version 2>/dev/null || echo "chromium at $CHROMIUM"))"
