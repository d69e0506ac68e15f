#!/usr/bin/env bash
# Set up and run the main job: Node toolchain, dependencies, build, then a real `jit exec` on the
# embedded default (no server, no config) and a proof that its credential is gone afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=toolchain.sh
. scripts/toolchain.sh
echo "== node $(node --version), npm $(npm --version)"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
echo "== built: $(./bin/jit.js --version)"

if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ "$(uname -s)" = Linux ]; then
  echo "== no D-Bus session here: running the demo in a throwaway keyring (your own keychain is not touched)"
  exec scripts/private-keyring.sh scripts/demo.sh
fi
exec scripts/demo.sh
