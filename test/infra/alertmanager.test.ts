// Integration test against the real Alertmanager (Debian's 0.25) that scripts/infra.sh runs, and the
// webhook recorder it notifies.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  ensureInfra,
  fetchNotifications,
  uniqueName,
  waitFor,
  type RecordedNotification,
} from '../support/infra.js';

/** The part of Alertmanager's webhook payload (version 4) that this test reads. */
interface WebhookPayload {
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  alerts: { status: 'firing' | 'resolved'; labels: Record<string, string> }[];
}

function isWebhookPayload(value: unknown): value is WebhookPayload {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.status === 'string' && Array.isArray(v.alerts) && typeof v.groupLabels === 'object';
}

function notificationFor(
  notifications: RecordedNotification[],
  fingerprint: string,
  status: WebhookPayload['status'],
): WebhookPayload | undefined {
  return notifications
    .map((n) => n.body)
    .filter(isWebhookPayload)
    .find((p) => p.status === status && p.alerts.some((a) => a.labels.fingerprint === fingerprint));
}

describe('local Alertmanager and webhook recorder (scripts/infra.sh)', () => {
  let alertmanagerUrl: string;

  before(async () => {
    ({ alertmanagerUrl } = await ensureInfra(['webhook', 'alertmanager']));
  });

  async function postAlert(labels: Record<string, string>, endsAt?: Date): Promise<void> {
    const alert = {
      labels,
      annotations: { summary: 'mcptap infrastructure test alert' },
      startsAt: new Date(Date.now() - 1_000).toISOString(),
      ...(endsAt ? { endsAt: endsAt.toISOString() } : {}),
    };
    const res = await fetch(`${alertmanagerUrl}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([alert]),
    });
    assert.equal(res.status, 200, `POST /api/v2/alerts answered ${res.status}: ${await res.text()}`);
  }

  it('delivers a posted alert to the recorder, grouped by its fingerprint, then its resolution', async () => {
    const since = Date.now();
    const fingerprint = uniqueName('fp');
    const labels = { alertname: 'McptapInfraTest', fingerprint, severity: 'info' };

    await postAlert(labels);
    const firing = await waitFor(
      async () => notificationFor(await fetchNotifications(since), fingerprint, 'firing'),
      {
        timeoutMs: 15_000,
        intervalMs: 200,
        description: `a firing notification for fingerprint ${fingerprint}`,
      },
    );
    assert.equal(firing.receiver, 'mcptap-webhook-recorder');
    assert.deepEqual(firing.groupLabels, { alertname: 'McptapInfraTest', fingerprint });
    assert.equal(firing.alerts.length, 1);

    // Resolving it is also the clean-up: nothing stays firing in Alertmanager after the test.
    await postAlert(labels, new Date());
    const resolved = await waitFor(
      async () => notificationFor(await fetchNotifications(since), fingerprint, 'resolved'),
      {
        timeoutMs: 15_000,
        intervalMs: 200,
        description: `a resolved notification for fingerprint ${fingerprint}`,
      },
    );
    assert.equal(resolved.alerts[0]?.status, 'resolved');
  });

  it('answers only notifications received since the given time', async () => {
    const future = Date.now() + 60_000;
    assert.deepEqual(await fetchNotifications(future), []);
  });
});
