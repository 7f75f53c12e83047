#!/bin/sh
# Writes the Alertmanager configuration a container runs from the example alertmanager.yml: each
# receiver gets its address from a variable, and a receiver whose variable is empty gets no
# integration at all (its alerts stay visible in Alertmanager's UI and in Grafana; nobody is paged):
#   MCPTAP_SOC_WEBHOOK_URL         soc-webhook: URL that receives Alertmanager's webhook JSON
#   MCPTAP_SLACK_WEBHOOK_URL       slack-soc: Slack incoming-webhook URL
#   MCPTAP_PAGERDUTY_ROUTING_KEY   pagerduty-oncall: PagerDuty Events v2 integration key
# POSIX sh and sed: it runs in the prom/alertmanager image (busybox) before Alertmanager starts.
#
#   render-config.sh TEMPLATE OUTPUT
set -eu
template=$1
output=$2

# receiver VALUE PLACEHOLDER FIRST_LINE LAST_LINE: the sed command that fills one receiver in, or
# deletes its integration block (FIRST_LINE through LAST_LINE, patterns) when VALUE is empty.
receiver() {
  if [ -n "$1" ]; then
    escaped=$(printf '%s' "$1" | sed 's/[|&\\]/\\&/g')
    printf 's|%s|%s|;' "$2" "$escaped"
  else
    printf '/%s/,/%s/d;' "$3" "$4"
  fi
}

script=$(receiver "${MCPTAP_SOC_WEBHOOK_URL:-}" 'http://127.0.0.1:19095/alertmanager' 'webhook_configs:' 'max_alerts:')
script=$script$(receiver "${MCPTAP_SLACK_WEBHOOK_URL:-}" 'https://hooks.slack.com/services/REPLACE/WITH/YOURS' 'slack_configs:' '{{ end }}')
script=$script$(receiver "${MCPTAP_PAGERDUTY_ROUTING_KEY:-}" 'REPLACE_WITH_PAGERDUTY_INTEGRATION_KEY' 'pagerduty_configs:' 'fingerprints:')
sed "$script" "$template" >"$output"
