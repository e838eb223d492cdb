#!/usr/bin/env bash
# Provision step "fuzzer": the OpenAPI fuzzer schemathesis, pinned, in a project-local Python
# virtual environment (.tools/fuzz-venv), for `npm run test:fuzz`.
set -Eeuo pipefail
STEP=fuzzer
die() { echo "provision failed at step $STEP: $*" >&2; exit 1; }
trap 'rc=$?; die "command failed (exit $rc): $BASH_COMMAND"' ERR
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/heartbeat.sh"
VERSION=4.32.5
venv="$root/.tools/fuzz-venv"

if [ -x "$venv/bin/schemathesis" ] && [ "$("$venv/bin/schemathesis" --version 2>/dev/null)" = "schemathesis, version $VERSION" ]; then
  echo "==> $STEP: schemathesis $VERSION already installed (.tools/fuzz-venv)"
  exit 0
fi
command -v python3 >/dev/null 2>&1 || die "python3 not found: install Python 3.9 or later (Debian: python3 python3-venv)"
echo "==> $STEP: installing schemathesis $VERSION into .tools/fuzz-venv"
rm -rf "$venv"
python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
log="$root/.tools/fuzzer-install.log"
: >"$log"
if ! with_heartbeat "$log" "$venv/bin/pip" install --disable-pip-version-check "schemathesis==$VERSION"; then
  tail -20 "$log" >&2
  die "pip install schemathesis==$VERSION failed (log: $log)"
fi
echo "    $("$venv/bin/schemathesis" --version)"
