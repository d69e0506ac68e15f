#!/usr/bin/env bash
# Runs the whole test suite (type-check, build, vitest) with the project's Node toolchain.
# The tests start their own private D-Bus + gnome-keyring, pseudo-terminals and shells; they need
# these tools (`.ci/run` installs them on Debian): dbus-daemon, gnome-keyring-daemon, gdbus, script, setpriv,
# and the shells and strace for the prompt and completion tests: bash, zsh, fish, strace.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=toolchain.sh
. scripts/toolchain.sh
missing=()
for tool in dbus-daemon gnome-keyring-daemon gdbus script setpriv bash zsh fish strace; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test: missing ${missing[*]}; on Debian: apt-get install dbus gnome-keyring libglib2.0-bin util-linux bsdutils zsh fish strace" >&2
  exit 69
fi
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
npm test
