#!/usr/bin/env bash
# Provision step "temporal-server": builds the Temporal server proper (go.temporal.io/server, the
# server of docker-compose.yml's temporalio/auto-setup image) and its SQL schema tool with
# `go install`, as .tools/bin/temporal-server and .tools/bin/temporal-sql-tool, and copies the
# PostgreSQL schema from the module into .tools/temporal-server/schema. Used by
# test/support/temporal-cluster-server.ts (`npm run serve:cluster`, TEMPORAL_SERVER=cluster).
set -Eeuo pipefail
STEP=temporal-server
die() { echo "provision failed at step $STEP: $*" >&2; exit 1; }
trap 'rc=$?; die "command failed (exit $rc): $BASH_COMMAND"' ERR
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/heartbeat.sh"
VERSION=v1.29.1
MODULE=go.temporal.io/server
bin="$root/.tools/bin"
dir="$root/.tools/temporal-server"
server="$bin/temporal-server"
sqltool="$bin/temporal-sql-tool"
schema="$dir/schema/postgresql/v12"

runs_version() { [ -x "$1" ] && "$1" --version 2>/dev/null | grep -q "${VERSION#v}"; }
if runs_version "$server" && runs_version "$sqltool" && [ -d "$schema/temporal/versioned" ] && [ -d "$schema/visibility/versioned" ]; then
  echo "==> $STEP: already built (.tools/bin/temporal-server, .tools/bin/temporal-sql-tool $VERSION)"
  exit 0
fi

command -v go >/dev/null 2>&1 || die "go not found: install a Go >= 1.25 toolchain to build the Temporal server"
echo "==> $STEP: go install $MODULE/cmd/server and cmd/tools/sql@$VERSION into .tools/bin (first run: a few minutes)"
mkdir -p "$bin" "$dir"
log="$dir/install.log"
: >"$log"
# Built into a directory of their own: `go install` names them `server` and `sql`.
gobin="$dir/gobin"
rm -rf "$gobin"
if ! with_heartbeat "$log" env GOBIN="$gobin" go install -v "$MODULE/cmd/server@$VERSION" "$MODULE/cmd/tools/sql@$VERSION"; then
  tail -20 "$log" >&2
  die "go install failed (full log: $log)"
fi
mv -f "$gobin/server" "$server"
mv -f "$gobin/sql" "$sqltool"
rm -rf "$gobin"

moddir="$(go env GOMODCACHE)/$MODULE@$VERSION"
[ -d "$moddir/schema/postgresql/v12" ] || die "no schema/postgresql/v12 in $moddir"
rm -rf "$dir/schema"
mkdir -p "$dir/schema/postgresql"
cp -R "$moddir/schema/postgresql/v12" "$dir/schema/postgresql/"
# The module cache is read-only; the copy need not be.
chmod -R u+w "$dir/schema"

runs_version "$server" || die "built $server but it does not run as $VERSION"
runs_version "$sqltool" || die "built $sqltool but it does not run as $VERSION"
echo "    built $("$server" --version) and $("$sqltool" --version)"
