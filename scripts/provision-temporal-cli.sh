#!/usr/bin/env bash
# Provision step "temporal-cli": builds the Temporal CLI (which embeds the dev server) into
# .tools/bin/temporal with `go install`, unless TEMPORAL_CLI_PATH is set or it already runs.
set -Eeuo pipefail
STEP=temporal-cli
die() { echo "provision failed at step $STEP: $*" >&2; exit 1; }
trap 'rc=$?; die "command failed (exit $rc): $BASH_COMMAND"' ERR
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/heartbeat.sh"
# Later tags carry a replace directive that `go install pkg@version` refuses.
VERSION=v1.5.1
bin="$root/.tools/bin/temporal"

if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  echo "==> $STEP: using TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH"
  "$TEMPORAL_CLI_PATH" --version >/dev/null 2>&1 || die "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH does not run"
  exit 0
fi
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "==> $STEP: already built (.tools/bin/temporal)"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  if [ "${PROVISION_PROFILE:-}" = start ]; then
    echo "==> $STEP: go not found, so the Temporal SDK downloads the CLI when the service starts (needs internet);"
    echo "    install a Go >= 1.25 toolchain to build it here instead, or set TEMPORAL_CLI_PATH or TEMPORAL_ADDRESS"
    exit 0
  fi
  die "go not found: install a Go >= 1.25 toolchain, or set TEMPORAL_CLI_PATH to an existing temporal binary"
fi
echo "==> $STEP: go install github.com/temporalio/cli/cmd/temporal@$VERSION into .tools/bin (first run: a few minutes)"
mkdir -p "$root/.tools/bin"
log="$root/.tools/temporal-cli-install.log"
: >"$log"
# -v names each package as it is built, which the heartbeat shows.
if ! with_heartbeat "$log" env GOBIN="$root/.tools/bin" go install -v "github.com/temporalio/cli/cmd/temporal@$VERSION"; then
  tail -20 "$log" >&2
  die "go install failed (full log: $log)"
fi
"$bin" --version >/dev/null 2>&1 || die "built $bin but it does not run"
echo "    built $("$bin" --version)"
