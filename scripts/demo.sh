#!/usr/bin/env bash
# The README's first command: installs what is missing, then runs `mcptap demo` (embedded stack by
# default; `npm run demo -- --stack full` for Kafka + ClickHouse server + Alertmanager).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec node bin/mcptap.js demo "$@"
