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
  # A headless machine: jit's `keychain: auto` takes the kernel keyring. The demo gets a throwaway
  # session keyring of its own, so your login's keyring is not touched.
  jit_require_commands "the demo's throwaway kernel keyring" keyctl:keyutils
  if keyctl session - true 2>/dev/null; then
    echo "== no D-Bus session here: the demo keeps its credential in the kernel keyring, in a throwaway session keyring"
    # keyctl announces the keyring it joined on stderr: silence that, and give the demo stderr back (fd 3).
    exec 3>&2
    exec keyctl session - sh -c 'exec 2>&3 3>&-; exec scripts/demo.sh' 2>/dev/null
  fi
  # Kernel keyrings barred (a container's seccomp profile, say): a throwaway Secret Service instead.
  jit_require_commands "the demo's throwaway Secret Service (this machine bars kernel keyrings)" \
    dbus-run-session:dbus gnome-keyring-daemon:gnome-keyring,dbus-x11 gdbus:libglib2.0-bin
  echo "== no D-Bus session and no kernel keyring here: running the demo in a throwaway Secret Service (your own keychain is not touched)"
  exec scripts/private-keyring.sh scripts/demo.sh
fi
exec scripts/demo.sh
