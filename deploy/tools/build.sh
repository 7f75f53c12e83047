#!/usr/bin/env bash
# Builds the checkers of the deploy files from the Go modules pinned in deploy/tools/go.mod/go.sum:
#   kustomize        sigs.k8s.io/kustomize/kustomize/v5 (what `kubectl apply -k` runs)
#   compose-check    compose-go/v2 loading a compose file as `docker compose config` does
#   dockerfile-lint  BuildKit's Dockerfile checks (`docker build --check`)
# into $MCPTAP_HOME/cache/go-tools/<hash of go.mod, go.sum and the sources>/ and prints that
# directory. Idempotent: builds only what is missing there, so a change of pins or sources rebuilds.
# Needs Go >= 1.26 (the machine's own toolchain: GOTOOLCHAIN=local, nothing else is downloaded).
set -euo pipefail
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$TOOLS/../.." && pwd)
MCPTAP_HOME=${MCPTAP_HOME:-$REPO_ROOT/.mcptap}
export GOTOOLCHAIN=local GOFLAGS=-mod=readonly

if ! command -v go >/dev/null; then
  echo "deploy/tools: Go >= 1.26 is needed to build kustomize, compose-check and dockerfile-lint; install Go and run again" >&2
  exit 1
fi
key=$(cat "$TOOLS/go.mod" "$TOOLS/go.sum" "$TOOLS"/*/*.go | sha256sum | cut -c1-16)
out=$MCPTAP_HOME/cache/go-tools/$key
mkdir -p "$MCPTAP_HOME/cache/go-tools"

# One build at a time: tests running in parallel may all ask for the tools.
exec 9>"$MCPTAP_HOME/cache/go-tools/.lock"
flock 9
cd "$TOOLS"
for tool in kustomize compose-check dockerfile-lint; do
  [ -x "$out/$tool" ] && continue
  case $tool in
    kustomize) package=sigs.k8s.io/kustomize/kustomize/v5 ;;
    *) package=./$tool ;;
  esac
  echo "deploy/tools: building $tool (once; cached in $out)" >&2
  go build -trimpath -o "$out/$tool.partial" "$package"
  mv "$out/$tool.partial" "$out/$tool"
done
echo "$out"
