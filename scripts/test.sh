#!/usr/bin/env bash
# The README's test command. On a fresh machine it installs everything (npm packages, ClickHouse,
# Alertmanager, Kafka jars, the Go-built checkers of deploy/), starts the local servers, runs lint,
# type check and every test, and stops the servers it started.
#
#   bash scripts/test.sh [test files...]     (default: every test/**/*.test.ts)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

started=$(date +%s)
bash scripts/setup.sh --deploy-tools

was_running=$(bash scripts/infra.sh status >/dev/null 2>&1 && echo yes || echo no)
bash scripts/infra.sh start
if [ "$was_running" = no ]; then
  trap 'bash scripts/infra.sh stop' EXIT
fi

echo "== lint and type check"
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --check . ; exit 1; }
npx tsc --noEmit -p tsconfig.json

echo "== tests"
if [ "$#" -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(find test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
fi
node --import tsx --test --test-concurrency=2 --test-timeout=600000 "${files[@]}"
echo "== done in $(( $(date +%s) - started )) s"
