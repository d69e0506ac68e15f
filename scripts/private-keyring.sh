#!/usr/bin/env bash
# Runs a command inside a throwaway D-Bus session with its own unlocked gnome-keyring and a
# temporary HOME, so nothing touches your own keychain. Used where no Secret Service runs
# (a headless server, CI) by the set-up demo.
set -euo pipefail
for tool in dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null || { echo "private-keyring: $tool is missing (apt-get install dbus gnome-keyring)" >&2; exit 71; }
done
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -m 700 "$scratch/run"
export HOME="$scratch" XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/run" XDG_CONFIG_HOME="$scratch/config" XDG_STATE_HOME="$scratch/state"
exec dbus-run-session -- bash -c '
  # A throwaway password: this keyring lives and dies with this session.
  printf "%s" "throwaway-$$" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  # Ask the bus, not the name: a call to org.freedesktop.secrets before the daemon owns it would make
  # the bus start a second gnome-keyring without the password, whose keyring cannot be written.
  for _ in $(seq 50); do
    gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
      --method org.freedesktop.DBus.NameHasOwner org.freedesktop.secrets 2>/dev/null | grep -q true &&
      gdbus call --session --dest org.freedesktop.secrets --object-path /org/freedesktop/secrets \
        --method org.freedesktop.Secret.Service.ReadAlias default 2>/dev/null | grep -q collection/ && break
    sleep 0.1
  done
  exec "$@"' private-keyring "$@"
