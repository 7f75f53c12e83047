import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import {
  defaultRules,
  OCSF_SCHEMA_VERSION,
  replayTranscript,
  toOcsfDetectionFinding,
} from '../../../detectors/index.js';
import type { Alert } from '../../../model/index.js';
import { detectionFindingProblems } from '../../support/ocsf-schema.js';

const TRANSCRIPTS = fileURLToPath(new URL('../../corpus/transcripts/', import.meta.url));

const alert: Alert = {
  fingerprint: 'f1',
  rule: 'ssrf_target',
  severity: 'high',
  status: 'firing',
  time: '2026-11-24T10:00:01.500Z',
  tenant: 'acme',
  host_id: 'laptop-1',
  session_id: 's-1',
  user_id: 'alice@example.com',
  team: 'payments',
  server_name: 'fetch',
  server_id: 'abcd',
  tool: 'fetch_url',
  evidence_event_ids: ['e1', 'e2'],
  summary: 'Tool argument targets cloud metadata 169.254.169.254. The response may hold credentials.',
  runbook: 'Block the server and rotate any credential it could have read.',
  details: { target: '169.254.169.254' },
};

describe('alerts as OCSF Detection Findings', () => {
  it('maps a firing alert to a new finding with its user, host, server, evidence and remediation', () => {
    const finding = toOcsfDetectionFinding(alert);
    assert.deepEqual(detectionFindingProblems(finding as unknown as Record<string, unknown>), []);
    assert.equal(finding.metadata.version, OCSF_SCHEMA_VERSION);
    assert.equal(finding.type_uid, 200401);
    assert.equal(finding.severity_id, 4);
    assert.equal(finding.status_id, 1);
    assert.equal(finding.time, Date.parse(alert.time));
    assert.equal(finding.finding_info.uid, 'f1');
    assert.equal(
      finding.finding_info.title,
      'ssrf_target: Tool argument targets cloud metadata 169.254.169.254.',
    );
    assert.deepEqual(finding.finding_info.types, ['ssrf_target']);
    assert.deepEqual(
      finding.observables.map((o) => [o.type_id, o.value]),
      [
        [4, 'alice@example.com'],
        [1, 'laptop-1'],
      ],
    );
    assert.deepEqual(finding.resources, [{ uid: 'abcd', name: 'fetch', type: 'MCP server' }]);
    assert.deepEqual(
      finding.evidences.map((e) => e.data.event_id),
      ['e1', 'e2'],
    );
    assert.equal(finding.remediation?.desc, alert.runbook);
    assert.equal(finding.unmapped.team, 'payments');
    assert.equal(finding.metadata.tenant_uid, 'acme');
  });

  it('maps a resolved alert to a closed, resolved finding; severities map one to one', () => {
    const closed = toOcsfDetectionFinding({ ...alert, status: 'resolved', user_id: '', runbook: '' });
    assert.deepEqual(detectionFindingProblems(closed as unknown as Record<string, unknown>), []);
    assert.deepEqual([closed.activity_id, closed.type_uid, closed.status_id], [3, 200403, 4]);
    assert.equal(closed.status, 'Resolved');
    assert.equal(closed.remediation, undefined);
    assert.ok(!closed.observables.some((o) => o.type_id === 4));
    const ids = (['info', 'low', 'medium', 'high', 'critical'] as const).map(
      (severity) => toOcsfDetectionFinding({ ...alert, severity }).severity_id,
    );
    assert.deepEqual(ids, [1, 2, 3, 4, 5]);
  });

  it('the check against the published 1.3.0 class refuses what the class does not allow', () => {
    const finding = toOcsfDetectionFinding(alert) as unknown as Record<string, unknown>;
    const { finding_info: _, ...noInfo } = finding;
    assert.ok(detectionFindingProblems(noInfo).includes('missing finding_info'));
    assert.ok(
      detectionFindingProblems({ ...finding, severity_id: 7 }).some((p) => p.startsWith('severity_id')),
    );
    assert.ok(
      detectionFindingProblems({ ...finding, type_uid: 200499 }).some((p) => p.startsWith('type_uid')),
    );
    assert.ok(detectionFindingProblems({ ...finding, actor: {} }).some((p) => p.startsWith('actor')));
    // 1.4.0 added is_alert to the class; a 1.3.0 finding must not carry it.
    assert.ok(
      detectionFindingProblems({ ...finding, is_alert: true }).includes(
        'is_alert is not an attribute of the class',
      ),
    );
    assert.ok(
      detectionFindingProblems({ ...finding, time: '2026-11-24' }).includes(
        'time is not an integer (timestamp_t)',
      ),
    );
    assert.ok(
      detectionFindingProblems({ ...finding, observables: { name: 'x' } }).includes(
        'observables is not an array',
      ),
    );
    const badObservable = { ...finding, observables: [{ name: 'user', type_id: 1234, value: 'x' }] };
    assert.ok(
      detectionFindingProblems(badObservable).includes('observables[0].type_id 1234 is not in the enum'),
    );
    const noProduct = { ...finding, metadata: { version: '1.3.0', product: {} } };
    assert.ok(
      detectionFindingProblems(noProduct).includes('metadata.product needs at least one of name, uid'),
    );
  });

  it('every alert the default rules raise on the attack transcripts maps to a valid finding', () => {
    const rules = defaultRules();
    let alerts = 0;
    for (const file of readdirSync(TRANSCRIPTS).filter((f) => f.endsWith('.jsonl'))) {
      const replayed = replayTranscript(readFileSync(join(TRANSCRIPTS, file), 'utf8'), {
        rules,
        tenant: 'acme',
        hostId: 'laptop-1',
      });
      for (const raised of replayed.alerts) {
        alerts++;
        const finding = toOcsfDetectionFinding(raised);
        assert.deepEqual(detectionFindingProblems(finding as unknown as Record<string, unknown>), [], file);
        assert.equal(finding.finding_info.uid, raised.fingerprint);
      }
    }
    assert.ok(alerts >= 20, `only ${alerts} alerts raised on the transcripts`);
  });
});
