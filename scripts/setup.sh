#!/usr/bin/env bash
# Installs what mcptap needs on a fresh machine: npm packages (from package-lock.json) here, then
# the apt packages and Kafka jars through scripts/infra.sh when the servers are started.
# Idempotent: npm ci runs only when package-lock.json changed since the last install.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

stamp=node_modules/.mcptap-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
