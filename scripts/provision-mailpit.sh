#!/usr/bin/env bash
# Provision step "mailpit": builds Mailpit (the local mail catcher of `npm start`: an SMTP server
# that keeps every email the service sends, with a web UI and a JSON API) into .tools/bin/mailpit,
# unless MAILPIT_PATH is set or it already runs.
#
# Not a plain `go install github.com/axllent/mailpit@VERSION`: the module zip has no
# server/ui/dist (upstream builds it with npm and git-ignores it), so that binary serves an
# empty page. This step builds the web UI from the module's own sources first, as upstream's
# Dockerfile does (npm, then `go build` with the version in -ldflags), in .tools/mailpit-src.
#
# Nothing but `npm start` needs it (the tests use an SMTP relay of their own), so a build that
# fails is a loud warning, not a failed provision: `npm start` then runs without a mail catcher
# and says so, and outbound email fails clearly until SMTP_URL names a relay.
set -Eeuo pipefail
STEP=mailpit
die() { echo "provision failed at step $STEP: $*" >&2; exit 1; }
give_up() {
  echo "==> $STEP: WARNING: $*" >&2
  echo "    npm start will run without a mail catcher (outbound email fails until SMTP_URL names a relay)" >&2
  exit 0
}
trap 'rc=$?; give_up "command failed (exit $rc): $BASH_COMMAND"' ERR
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/heartbeat.sh"
VERSION=v1.33.1
# The registry does not serve the rapidoc 12 of upstream's lock (it draws only the API docs
# page, /api/v1/); 9.3.8 is the newest it serves. sass-embedded, an optional peer of the sass
# plugin, is not served at the locked version either and is left out (--omit=peer: plain sass).
RAPIDOC=9.3.8
bin="$root/.tools/bin/mailpit"
# `version` checks GitHub for a newer release unless told not to.
runs_version() { "$1" version --no-release-check 2>/dev/null | head -1; }

if [ -n "${MAILPIT_PATH:-}" ]; then
  echo "==> $STEP: using MAILPIT_PATH=$MAILPIT_PATH"
  "$MAILPIT_PATH" version --no-release-check >/dev/null 2>&1 || die "MAILPIT_PATH=$MAILPIT_PATH does not run"
  exit 0
fi
# Only this step's build carries the version (a bare `go install` says "dev" and has no UI).
if [ -x "$bin" ] && [[ "$(runs_version "$bin")" == *" $VERSION "* ]]; then
  echo "==> $STEP: already built (.tools/bin/mailpit)"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  if [ "${PROVISION_PROFILE:-}" = start ]; then
    echo "==> $STEP: go not found, so \`npm start\` runs without a mail catcher (outbound email then fails);"
    echo "    install a Go >= 1.25 toolchain to build it here instead, or set MAILPIT_PATH or SMTP_URL"
    exit 0
  fi
  give_up "go not found: install a Go >= 1.25 toolchain, or set MAILPIT_PATH to an existing mailpit binary"
fi
command -v npm >/dev/null 2>&1 || give_up "npm not found (it builds Mailpit's web UI)"
echo "==> $STEP: building Mailpit $VERSION (web UI with npm, then go build) into .tools/bin (first run: a few minutes)"
mkdir -p "$root/.tools/bin"
log="$root/.tools/mailpit-install.log"
: >"$log"
src="$root/.tools/mailpit-src"

# The module's sources, from the Go module proxy, copied out of the read-only module cache.
dir="$(go mod download -json "github.com/axllent/mailpit@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -n "$dir" ] && [ -f "$dir/package-lock.json" ] || give_up "go mod download github.com/axllent/mailpit@$VERSION gave no source directory"
rm -rf "$src"
cp -R "$dir" "$src"
chmod -R u+w "$src"

if ! (cd "$src" && npm pkg set "dependencies.rapidoc=$RAPIDOC" &&
  with_heartbeat "$log" npm install --omit=peer --prefer-offline --no-audit --no-fund --loglevel=error &&
  with_heartbeat "$log" npm run package); then
  tail -20 "$log" >&2
  give_up "building the web UI failed (full log: $log)"
fi
[ -s "$src/server/ui/dist/app.js" ] && [ -s "$src/server/ui/dist/app.css" ] || give_up "the web UI build wrote no server/ui/dist/app.js and app.css (log: $log)"

# -v names each package as it is built, which the heartbeat shows. -buildvcs=false: the copy
# sits inside this repository's work tree, whose commit is not Mailpit's.
if ! (cd "$src" && with_heartbeat "$log" env CGO_ENABLED=0 go build -v -trimpath -buildvcs=false \
  -ldflags "-s -w -X github.com/axllent/mailpit/config.Version=$VERSION" -o "$bin" .); then
  tail -20 "$log" >&2
  give_up "go build failed (full log: $log)"
fi
[[ "$(runs_version "$bin")" == *" $VERSION "* ]] || give_up "built $bin but it does not run"
rm -rf "$src"
echo "    built $(runs_version "$bin" | sed "s|^$bin |mailpit |")"
