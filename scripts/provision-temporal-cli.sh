#!/usr/bin/env bash
# Provision step "temporal-cli": builds the Temporal CLI (which embeds the dev server) into
# .tools/bin/temporal with `go install`, unless TEMPORAL_CLI_PATH is set or it already runs.
set -Eeuo pipefail
STEP=temporal-cli
die() { echo "provision failed at step $STEP: $*" >&2; exit 1; }
trap 'rc=$?; die "command failed (exit $rc): $BASH_COMMAND"' ERR
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
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

echo "==> $STEP: go install github.com/temporalio/cli/cmd/temporal@$VERSION into .tools/bin (takes a few minutes)"
command -v go >/dev/null 2>&1 || die "go not found: install a Go >= 1.25 toolchain, or set TEMPORAL_CLI_PATH to an existing temporal binary"
mkdir -p "$root/.tools/bin"
log="$root/.tools/temporal-cli-install.log"
if ! GOBIN="$root/.tools/bin" go install "github.com/temporalio/cli/cmd/temporal@$VERSION" >"$log" 2>&1; then
  tail -20 "$log" >&2
  die "go install failed (full log: $log)"
fi
"$bin" --version >/dev/null 2>&1 || die "built $bin but it does not run"
echo "    built $("$bin" --version)"
