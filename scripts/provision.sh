#!/usr/bin/env bash
# Provisions everything the tests and `npm start` need locally, idempotently:
# system packages (PostgreSQL, docker-compose), the Temporal CLI (dev server) and
# Temporal's Java time-skipping test server. Fast and quiet when already provisioned.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

bash "$here/provision-system-packages.sh"
bash "$here/provision-temporal-cli.sh"
bash "$here/provision-test-server.sh"
