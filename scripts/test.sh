#!/usr/bin/env bash
# The second of the README's two commands: the whole test suite (type-check, build, vitest) with the
# project's Node toolchain. First installs the OS tools the tests drive (Debian/Ubuntu, see
# os-packages.sh): a private D-Bus session and gnome-keyring (dbus-daemon, gnome-keyring-daemon, gdbus,
# secret-tool), throwaway kernel session keyrings (keyctl), pseudo-terminals (script), sessions started
# through setpriv, the shells jit integrates with (bash, zsh, fish), strace for the prompt's cost, and
# PostgreSQL for the team store and the postgres issuer (its server binaries live off PATH; pg_ctlcluster
# marks the package), OpenSSH's server and client for the ssh issuer (sshd lives in /usr/sbin, which a
# user's PATH may lack: it is added here). dbus-x11 satisfies gnome-keyring's session-bus dependency
# without pulling in systemd.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH=$PATH:/usr/sbin
# shellcheck source=os-packages.sh
. scripts/os-packages.sh
jit_require_commands "the test suite" npm:npm dbus-daemon:dbus gnome-keyring-daemon:gnome-keyring,dbus-x11 gdbus:libglib2.0-bin \
  secret-tool:libsecret-tools keyctl:keyutils script:bsdutils setpriv:util-linux bash:bash zsh:zsh fish:fish strace:strace \
  pg_ctlcluster:postgresql openssl:openssl systemd-analyze:systemd sshd:openssh-server ssh-agent:openssh-client
# shellcheck source=toolchain.sh
. scripts/toolchain.sh
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
npm test
