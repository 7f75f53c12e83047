#!/usr/bin/env bash
# `npm run build`: compiles the sources to dist/ (tsconfig.build.json: no tests, benches or scripts)
# and copies beside the compiled modules the files they read at run time, so the server roles run as
# `node dist/cli/mcptap.js ROLE` without the tsx loader (the server image runs exactly that).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

rm -rf dist
npx tsc -p tsconfig.build.json
# package.json: `mcptap scan` reads its version from the parent of its folder.
for asset in otlp/otlp-proto detectors/default-rules.yaml detectors/lint/learned-scorer-weights.json console/static package.json; do
  mkdir -p "dist/$(dirname "$asset")"
  cp -R "$asset" "dist/$asset"
done
# The stamp last: bin/mcptap.js runs dist/ only while the sources still match it.
node bin/build-stamp.js write
