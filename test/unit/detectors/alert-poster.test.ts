// The alert poster (detectors/alerting/alert-poster.ts) of the Kafka detectors and `mcptap local`:
// pure, with targets that stand in for Alertmanager and webhooks; no servers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AlertPoster, type AlertTarget } from '../../../detectors/index.js';
import type { Alert } from '../../../model/index.js';
import { silentLogger } from '../../../platform/index.js';

const alert = (fingerprint: string, status: Alert['status'] = 'firing') => ({ fingerprint, status }) as Alert;
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Keeps what it could not deliver while `down`, as AlertNotifier and AlertWebhook do. */
class RecordingTarget implements AlertTarget {
  readonly rounds: Array<{ changed: string[]; active: string[] }> = [];
  down = false;
  private pending: Alert[] = [];

  get pendingCount(): number {
    return this.pending.length;
  }

  async deliver(changed: readonly Alert[], active: readonly Alert[]): Promise<number> {
    const alerts = [...this.pending, ...changed];
    this.rounds.push({ changed: alerts.map((a) => a.fingerprint), active: active.map((a) => a.fingerprint) });
    if (this.down) {
      this.pending = alerts;
      return 0;
    }
    this.pending = [];
    return alerts.length;
  }
}

describe('alert poster', () => {
  it('posts the alerts raised in one pass together, and those raised during a round with the next', async () => {
    const target = new RecordingTarget();
    const poster = new AlertPoster([target], { activeAlerts: () => [], logger: silentLogger });
    poster.post([alert('a')]);
    poster.post([alert('b')]);
    await turn();
    poster.post([alert('c')]);
    await poster.flush();
    assert.deepEqual(
      target.rounds.map((r) => r.changed),
      [['a', 'b'], ['c']],
    );
  });

  it('re-posts the active alerts only when a resend is due', async () => {
    const target = new RecordingTarget();
    const poster = new AlertPoster([target], { activeAlerts: () => [alert('x')], logger: silentLogger });
    poster.post([alert('a')]);
    await poster.flush();
    poster.resend();
    await poster.flush();
    assert.deepEqual(
      target.rounds.map((r) => r.active),
      [[], ['x']],
    );
  });

  it('retries what a target could not deliver on its own, with nothing new raised', async () => {
    const target = new RecordingTarget();
    const poster = new AlertPoster([target], { activeAlerts: () => [], logger: silentLogger, retryMs: 20 });
    target.down = true;
    poster.post([alert('a')]);
    await poster.flush();
    assert.equal(target.pendingCount, 1);
    target.down = false;
    await new Promise((resolve) => setTimeout(resolve, 100));
    await poster.flush();
    poster.stop();
    assert.equal(target.pendingCount, 0, 'delivered by the retry');
    assert.ok(
      target.rounds.some((r, i) => i > 0 && r.changed.includes('a')),
      'the undelivered alert went again',
    );
  });

  it('does nothing without targets', async () => {
    const poster = new AlertPoster([], { activeAlerts: () => [], logger: silentLogger });
    assert.equal(poster.enabled, false);
    poster.post([alert('a')]);
    await poster.flush();
  });
});
