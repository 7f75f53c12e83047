#!/usr/bin/env bash
# Refreshes deploy/k8s/base/files/: copies of the files the kustomization generates ConfigMaps from,
# kept inside it because kustomize reads nothing outside its root. Each copy sits at its source's
# path from the repository root (base/files/deploy/alertmanager/alertmanager.yml is
# deploy/alertmanager/alertmanager.yml); test/deploy/deploy-files.test.ts fails when one differs.
# Run it after changing a source, and commit the copies with it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

SOURCES=(
  deploy/compose/mcptap.env
  deploy/alertmanager/alertmanager.yml
  deploy/alertmanager/render-config.sh
  deploy/grafana/provisioning/datasources/mcptap-clickhouse.yaml
  deploy/grafana/provisioning/dashboards/mcptap.yaml
  dashboards/generated/*.json
)
rm -rf deploy/k8s/base/files
for source in "${SOURCES[@]}"; do
  mkdir -p "deploy/k8s/base/files/$(dirname "$source")"
  cp "$source" "deploy/k8s/base/files/$source"
done
