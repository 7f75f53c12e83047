#!/usr/bin/env bash
# Installs what mcptap needs on a fresh machine: npm packages (from package-lock.json) here, then
# the apt packages and Kafka jars through scripts/infra.sh when the servers are started.
# Idempotent: the install runs only when package-lock.json changed since the last one.
#
#   bash scripts/setup.sh [--deploy-tools]
#
# --deploy-tools (the tests' set-up) also builds the checkers of deploy/ (kustomize, compose-check,
# dockerfile-lint) from the Go modules pinned in deploy/tools, once, into $MCPTAP_HOME/cache/go-tools.
# `npm install` rather than `npm ci`: chdb 3.4 names optional platform packages that the registry
# does not serve for its version, and npm ci then calls the lock file out of sync. npm install
# installs the locked versions all the same (and leaves package-lock.json unchanged).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

stamp=node_modules/.mcptap-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing npm packages (locked versions)"
  npm install --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

if [ "${1:-}" = --deploy-tools ]; then
  bash deploy/tools/build.sh >/dev/null
fi
