// deploy/alertmanager/alertmanager.yml is a valid Alertmanager config and routes by severity, checked
// with the amtool that ships with the Alertmanager scripts/infra.sh installs.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureInfra } from '../support/infra.js';

const CONFIG = join(import.meta.dirname, '..', '..', 'deploy', 'alertmanager', 'alertmanager.yml');

before(async () => {
  await ensureInfra(['alertmanager']);
});

function amtool(...args: string[]): string {
  const r = spawnSync('amtool', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `amtool ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

test('amtool accepts the example configuration', () => {
  assert.match(amtool('check-config', CONFIG), /SUCCESS/);
});

test('critical alerts page on-call and reach Slack and the webhook; medium only the webhook', () => {
  const critical = amtool(
    'config',
    'routes',
    'test',
    `--config.file=${CONFIG}`,
    'severity=critical',
    'alertname=exfil_chain',
  );
  assert.deepEqual(critical.split(',').sort(), ['pagerduty-oncall', 'slack-soc', 'soc-webhook']);
  const medium = amtool(
    'config',
    'routes',
    'test',
    `--config.file=${CONFIG}`,
    'severity=medium',
    'alertname=chain_length',
  );
  assert.equal(medium, 'soc-webhook');
});
