#!/usr/bin/env bash
# Puts `jit` on PATH: a few lines of sh that run this checkout's bin/jit.js with a Node.js new enough
# for it (bin/jit.js starts "${JIT_NODE:-node}"), from any directory and inside jit sessions, without a
# Node process of its own. The Node is this checkout's .toolchain/node when present (setup.sh fetches it
# when the system one is older than 22.19), else the system one if it is new enough.
#
# Installs as root to /usr/local/bin/jit, else to ~/.local/bin/jit; JIT_BIN_DIR overrides the directory.
# `install-launcher.sh --where` prints the directory and changes nothing. Run again after moving the
# checkout; it replaces only a launcher it wrote.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

if [ -n "${JIT_BIN_DIR:-}" ]; then
  dir=$JIT_BIN_DIR
elif [ "$(id -u)" = 0 ]; then
  dir=/usr/local/bin
else
  dir=${HOME:?HOME is not set}/.local/bin
fi
if [ "${1:-}" = --where ]; then
  echo "$dir"
  exit 0
fi

node_ok() {
  "$1" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 19) ? 0 : 1)' 2>/dev/null
}
if [ -x "$repo/.toolchain/node/bin/node" ]; then
  node=$repo/.toolchain/node/bin/node
elif node=$(command -v node) && node_ok "$node"; then
  case $node in /*) ;; *) node=$PWD/$node ;; esac
else
  echo "install-launcher: no Node.js >= 22.19 here (system: $(node --version 2>/dev/null || echo none))" >&2
  echo "  → run scripts/setup.sh, which fetches one into $repo/.toolchain" >&2
  exit 69
fi

marker='# jit launcher, written by scripts/install-launcher.sh'
target=$dir/jit
if { [ -e "$target" ] || [ -L "$target" ]; } && ! grep -qsF "$marker" "$target"; then
  echo "install-launcher: $target exists and is not a jit launcher; leaving it alone" >&2
  echo "  → remove it, or install elsewhere: JIT_BIN_DIR=DIR scripts/install-launcher.sh" >&2
  exit 73
fi

# Single-quoted for sh, whatever the paths contain.
quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
mkdir -p "$dir"
tmp=$(mktemp "$dir/.jit.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cat > "$tmp" <<LAUNCHER
#!/bin/sh
$marker from $repo.
# Runs its bin/jit.js with the Node.js below; bin/jit.js execs that Node itself, so this adds no process.
# To undo: rm $target
JIT_NODE=$(quote "$node")
if [ ! -x "\$JIT_NODE" ] || [ ! -x $(quote "$repo/bin/jit.js") ]; then
  echo "jit: this launcher (\$0) runs $(printf '%s' "$repo" | sed 's/[\\"$`]/\\&/g')/bin/jit.js with \$JIT_NODE, and one of them is gone" >&2
  echo "  → run scripts/setup.sh in a jit checkout again, or remove \$0" >&2
  exit 69
fi
export JIT_NODE
exec $(quote "$repo/bin/jit.js") "\$@"
LAUNCHER
chmod 755 "$tmp"
mv -f "$tmp" "$target"
trap - EXIT

echo "== installed $target: runs $repo/bin/jit.js with Node.js $("$node" --version) ($node)"
echo "   to undo: rm $target"
case ":$PATH:" in
  *":$dir:"*) ;;
  *) echo "warning: $dir is not on your PATH; add it (e.g. in ~/.profile: export PATH=\"$dir:\$PATH\") or call $target" >&2 ;;
esac
