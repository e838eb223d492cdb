#!/usr/bin/env bash
# Provision step "system-packages": PostgreSQL server binaries (for the throwaway test
# clusters), docker-compose and Chromium (the bench report's rendering test) via apt-get when
# running as root; checks java, mvn and go.
set -Eeuo pipefail
STEP=system-packages
die() { echo "provision failed at step $STEP: $*" >&2; exit 1; }
trap 'rc=$?; die "command failed (exit $rc): $BASH_COMMAND"' ERR
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

echo "==> $STEP: checking PostgreSQL, docker-compose, Chromium, java, mvn, go"

pkgs=()
if ! command -v initdb >/dev/null 2>&1 && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  pkgs+=(postgresql)
fi
command -v docker-compose >/dev/null 2>&1 || pkgs+=(docker-compose)
command -v chromium >/dev/null 2>&1 || pkgs+=(chromium)

if ((${#pkgs[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    die "missing ${pkgs[*]}; not root, so install them yourself: sudo apt-get install -y --no-install-recommends ${pkgs[*]}"
  fi
  command -v apt-get >/dev/null 2>&1 || die "missing ${pkgs[*]} and no apt-get; install them with your package manager"
  echo "    installing ${pkgs[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null || die "apt-get install ${pkgs[*]} failed"
fi

# Build tools: only fatal when a later step will actually need them.
missing=() needed=()
need() { command -v "$1" >/dev/null 2>&1 && return; missing+=("$1 ($2)"); [ "$3" = yes ] && needed+=("$1"); return 0; }
cli_done=no; { [ -n "${TEMPORAL_CLI_PATH:-}" ] || [ -x "$root/.tools/bin/temporal" ]; } && cli_done=yes
ts_done=no; { [ -n "${TEMPORAL_TEST_SERVER_PATH:-}" ] || [ -f "$root/.tools/test-server/stamp" ]; } && ts_done=yes
need java "Debian package default-jdk-headless; runs the test server" "$([ -n "${TEMPORAL_TEST_SERVER_PATH:-}" ] && echo no || echo yes)"
need mvn "Debian package maven; fetches the test server jars" "$([ $ts_done = yes ] && echo no || echo yes)"
need go "Go >= 1.25 toolchain; builds the Temporal CLI" "$([ $cli_done = yes ] && echo no || echo yes)"
for m in "${missing[@]}"; do echo "    missing: $m"; done
((${#needed[@]} == 0)) || die "required tools not found: ${needed[*]}"
