#!/usr/bin/env bash
# The main job on the embedded default: elevate one command for a ticket, then prove the
# credential was issued, used, revoked and verified gone.
set -euo pipefail
cd "$(dirname "$0")/.."
# setup.sh passes the launcher it installed; run alone, the demo uses this checkout's bin/jit.js.
jit() { "${JIT:-./bin/jit.js}" "$@"; }
ticket=DEMO-$((RANDOM % 9000 + 1000))

echo "== jit roles"
jit roles
echo
echo "== jit exec --ticket $ticket --role demo --ttl 10m -- sh -c …"
jit exec --ticket "$ticket" --role demo --ttl 10m -- sh -c '
  echo "   elevated: role=$JIT_ROLE ticket=$JIT_TICKET grant=$JIT_SESSION"
  echo "   expires at $(date -d "@$JIT_EXPIRES_AT" 2>/dev/null || echo "$JIT_EXPIRES_AT")"
  echo "   JIT_TOKEN is a ${#JIT_TOKEN}-byte signed JWT (never printed)"'
echo
echo "== jit audit --ticket $ticket"
jit audit --ticket "$ticket"
echo
echo "== jit audit verify"
jit audit verify
echo
echo "== jit audit standing"
jit audit standing
echo
echo "== jit status"
jit status
