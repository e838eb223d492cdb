#!/usr/bin/env bash
# Provision step "node-modules": `npm ci` when node_modules is missing or older than
# package-lock.json, so that `npm start` and `npm test` work on a fresh clone.
set -Eeuo pipefail
STEP=node-modules
die() { echo "provision failed at step $STEP: $*" >&2; exit 1; }
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/heartbeat.sh"
stamp="$root/node_modules/.package-lock.json"

if [ -f "$stamp" ] && [ ! "$root/package-lock.json" -nt "$stamp" ] && [ -e "$root/node_modules/tsx" ]; then
  echo "==> $STEP: already installed"
  exit 0
fi
command -v npm >/dev/null 2>&1 || die "npm not found: install Node.js 20 or later"
echo "==> $STEP: npm ci (first run: about half a minute)"
log="$(mktemp)"
if ! (cd "$root" && with_heartbeat "$log" npm ci --no-audit --no-fund --loglevel=error); then
  tail -20 "$log" >&2
  die "npm ci failed (log: $log)"
fi
rm -f "$log"
echo "    installed $(node -e "console.log(Object.keys(require(process.argv[1]).packages).length)" "$stamp") packages"
