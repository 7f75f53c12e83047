#!/usr/bin/env bash
# Generates the secrets of a deployment, once, for compose and Kubernetes alike:
#   deploy/compose/.env              MCPTAP_CLICKHOUSE_PASSWORD, MCPTAP_CLICKHOUSE_READER_PASSWORD,
#                                    MCPTAP_COLLECTOR_API_KEYS (compose reads .env beside compose.yaml)
#   deploy/k8s/base/secrets/clickhouse.env  password, reader-password   (Secret mcptap-clickhouse)
#   deploy/k8s/base/secrets/collector.env   api-keys                    (Secret mcptap-collector)
#   deploy/k8s/base/secrets/alertmanager.env  the receivers' addresses, empty (Secret alertmanager-receivers)
#   deploy/secrets/TENANT.api-key      each tenant's API key, for its hosts (MCPTAP_API_KEY)
#   deploy/secrets/audit-signing.key   the sink's Ed25519 key that seals stored rows (compose secret),
#                                    and its public half audit-signing.key.pub for `mcptap audit verify`
#   deploy/k8s/base/secrets/audit-signing.key{,.pub}  the same pair          (Secret mcptap-audit)
# Random passwords and one API key per tenant named; the collector gets only the keys' SHA-256.
# Every file is private (0600, folders 0700; the public key 0644) and git-ignored. Files that exist
# are left alone (a deployment made before the audit key gets only the key): to add a tenant later,
# append tenant:sha256 to MCPTAP_COLLECTOR_API_KEYS / api-keys by hand (`mcptap collector hash-key`
# prints the hash of a key).
#
#   bash deploy/make-secrets.sh TENANT [TENANT...]
set -euo pipefail
DEPLOY=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ "$#" -eq 0 ]; then
  echo "usage: bash deploy/make-secrets.sh TENANT [TENANT...]   (e.g. the team or company name)" >&2
  exit 2
fi
for tenant in "$@"; do
  if ! [[ $tenant =~ ^[A-Za-z0-9._-]+$ ]]; then
    echo "make-secrets: tenant '$tenant': use letters, digits, '.', '_' or '-'" >&2
    exit 2
  fi
done

random_hex() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; }
sha256_hex() {
  if command -v sha256sum >/dev/null; then printf '%s' "$1" | sha256sum | cut -d' ' -f1
  else printf '%s' "$1" | shasum -a 256 | cut -d' ' -f1; fi
}

umask 077
compose_env=$DEPLOY/compose/.env
k8s_secrets=$DEPLOY/k8s/base/secrets
mkdir -p "$k8s_secrets" "$DEPLOY/secrets"

# The audit signing key: never replaced, since checkpoints it signed verify only with its public half.
audit_key=$DEPLOY/secrets/audit-signing.key
if [ ! -e "$audit_key" ]; then
  node --input-type=module -e '
    import { generateKeyPairSync } from "node:crypto";
    import { writeFileSync } from "node:fs";
    const [path] = process.argv.slice(1);
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    writeFileSync(path, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600, flag: "wx" });
    writeFileSync(`${path}.pub`, publicKey.export({ type: "spki", format: "pem" }), { flag: "wx" });
  ' "$audit_key"
  chmod 644 "$audit_key.pub"
  echo "make-secrets: wrote the audit signing key $audit_key (0600) and its public key $audit_key.pub"
fi
for file in audit-signing.key audit-signing.key.pub; do
  [ -e "$k8s_secrets/$file" ] || cp -p "$DEPLOY/secrets/$file" "$k8s_secrets/$file"
done

if [ -e "$compose_env" ] || [ -e "$k8s_secrets/clickhouse.env" ] || [ -e "$k8s_secrets/collector.env" ]; then
  echo "make-secrets: passwords and API keys exist already ($compose_env, $k8s_secrets/); left unchanged" >&2
  exit 0
fi

password=$(random_hex)
reader_password=$(random_hex)
api_keys=''
for tenant in "$@"; do
  key=$(random_hex)
  printf '%s\n' "$key" >"$DEPLOY/secrets/$tenant.api-key"
  api_keys=${api_keys:+$api_keys,}$tenant:$(sha256_hex "$key")
done

receivers='# Where Alertmanager notifies (deploy/alertmanager/render-config.sh); empty: nobody.
MCPTAP_SOC_WEBHOOK_URL=
MCPTAP_SLACK_WEBHOOK_URL=
MCPTAP_PAGERDUTY_ROUTING_KEY='
printf 'MCPTAP_CLICKHOUSE_PASSWORD=%s\nMCPTAP_CLICKHOUSE_READER_PASSWORD=%s\nMCPTAP_COLLECTOR_API_KEYS=%s\n%s\n' \
  "$password" "$reader_password" "$api_keys" "$receivers" >"$compose_env"
printf 'password=%s\nreader-password=%s\n' "$password" "$reader_password" >"$k8s_secrets/clickhouse.env"
printf 'api-keys=%s\n' "$api_keys" >"$k8s_secrets/collector.env"
printf '%s\n' "$receivers" >"$k8s_secrets/alertmanager.env"
echo "make-secrets: wrote $compose_env, $k8s_secrets/{clickhouse,collector,alertmanager}.env and the API keys of $* in $DEPLOY/secrets/ (give each tenant's hosts its key as MCPTAP_API_KEY)"
