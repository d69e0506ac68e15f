# Sourced, not run: makes sure the OS commands a script needs are present, and on Debian or Ubuntu
# installs the packages of the missing ones.
# shellcheck shell=bash
#
#   jit_require_commands WHY COMMAND:PACKAGE[,PACKAGE…] …
#
# Each COMMAND is looked up with `command -v`: a machine that has them all runs no apt at all. The
# packages of the missing ones are installed with apt-get as root, or through `sudo -n` when sudo
# needs no password, saying what and why. With neither (or without apt-get) it prints the exact
# command to run and exits 69. JIT_APT_DRY_RUN=1 prints the apt-get commands instead of running them.

jit_require_commands() {
  local why=$1 pair command packages package
  shift
  local missing=() wanted=()
  for pair in "$@"; do
    command=${pair%%:*}
    packages=${pair#*:}
    command -v "$command" >/dev/null 2>&1 && continue
    missing+=("$command")
    for package in ${packages//,/ }; do
      case " ${wanted[*]} " in *" $package "*) ;; *) wanted+=("$package") ;; esac
    done
  done
  [ ${#missing[@]} -eq 0 ] && return 0

  local me=${0##*/}
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$me: $why needs ${missing[*]}, which are missing; install them with your package manager (Debian/Ubuntu packages: ${wanted[*]})" >&2
    exit 69
  fi
  local as=()
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
      as=(sudo -n)
    else
      echo "$me: $why needs ${missing[*]}, which are missing, and installing them needs root; run:" >&2
      echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${wanted[*]}" >&2
      exit 69
    fi
  fi

  echo "== $me: $why needs ${missing[*]}: installing ${wanted[*]} with ${as[*]:+${as[*]} }apt-get"
  local update=("${as[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq)
  local install=("${as[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${wanted[@]}")
  if [ "${JIT_APT_DRY_RUN:-}" = 1 ]; then
    echo "would run: ${update[*]}"
    echo "would run: ${install[*]}"
    return 0
  fi
  "${update[@]}" || { echo "$me: apt-get update failed" >&2; exit 69; }
  "${install[@]}" >/dev/null || { echo "$me: apt-get install ${wanted[*]} failed" >&2; exit 69; }
  for command in "${missing[@]}"; do
    command -v "$command" >/dev/null 2>&1 || { echo "$me: installed ${wanted[*]}, but $command is still not on PATH ($PATH)" >&2; exit 69; }
  done
}
