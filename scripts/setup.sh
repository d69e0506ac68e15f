#!/usr/bin/env bash
# The first of the README's two commands. Installs the OS packages it needs (Debian/Ubuntu, see
# os-packages.sh), a Node.js >= 22.19 when the system one is older (toolchain.sh), the dependencies,
# builds, puts `jit` on PATH (install-launcher.sh), then runs the main job: a real `jit exec` on the
# embedded default (no server, no config) and the proof that its credential is gone afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=os-packages.sh
. scripts/os-packages.sh
# npm installs the dependencies (and fetches Node.js 24 when the system one is too old).
jit_require_commands "set-up" npm:npm
# shellcheck source=toolchain.sh
. scripts/toolchain.sh
echo "== node $(node --version), npm $(npm --version)"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
echo "== built: $(./bin/jit.js --version)"
scripts/install-launcher.sh
# The demo runs the installed launcher, as you will.
JIT=$(scripts/install-launcher.sh --where)/jit
export JIT

if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ "$(uname -s)" = Linux ]; then
  jit_require_commands "the demo's throwaway keyring" dbus-run-session:dbus gnome-keyring-daemon:gnome-keyring,dbus-x11 gdbus:libglib2.0-bin
  echo "== no D-Bus session here: running the demo in a throwaway keyring (your own keychain is not touched)"
  exec scripts/private-keyring.sh scripts/demo.sh
fi
exec scripts/demo.sh
