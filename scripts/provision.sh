#!/usr/bin/env bash
# Provisions what a command needs, idempotently, one step at a time, printing each step with
# how long it took. A step that is already done costs a fraction of a second.
#
#   bash scripts/provision.sh start   # npm start: node modules, the Temporal CLI, Mailpit
#   bash scripts/provision.sh test    # npm test:  + PostgreSQL and docker-compose, the test server
#   bash scripts/provision.sh fuzz    # npm run test:fuzz: + the API fuzzer (schemathesis)
#   bash scripts/provision.sh cluster # npm run serve:cluster: PostgreSQL and the Temporal server proper
#   bash scripts/provision.sh all     # every step (the default)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
profile="${1:-all}"

case "$profile" in
  start) steps=(node-modules temporal-cli mailpit) ;;
  test) steps=(node-modules system-packages temporal-cli test-server) ;;
  fuzz) steps=(node-modules temporal-cli fuzzer) ;;
  cluster) steps=(node-modules system-packages temporal-server) ;;
  all) steps=(node-modules system-packages temporal-cli mailpit test-server fuzzer temporal-server) ;;
  *) echo "usage: $0 [start|test|fuzz|cluster|all]" >&2; exit 2 ;;
esac

total_start=$SECONDS
n=0
for step in "${steps[@]}"; do
  n=$((n + 1))
  t0=$SECONDS
  # Each step prints "==> <step>: ..." itself; the counter and its time frame it.
  printf '[provision %d/%d] %s\n' "$n" "${#steps[@]}" "$step"
  PROVISION_PROFILE="$profile" bash "$here/provision-$step.sh"
  printf '[provision %d/%d] %s done in %d s\n' "$n" "${#steps[@]}" "$step" $((SECONDS - t0))
done
printf '[provision] %s: ready in %d s\n' "$profile" $((SECONDS - total_start))
