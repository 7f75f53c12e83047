// `mcptap local` masks secrets once, in its receiver: a session with secrets in every place a host
// sends one, through the shim's real OTLP exporter into startLocal, leaves no raw secret in any String
// column of the embedded ClickHouse (chdb), while the detectors still raise the secret alerts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultRules } from '../../detectors/index.js';
import { startLocal, type RunningLocal } from '../../local/index.js';
import type { Alert } from '../../model/index.js';
import { SpanEmitter, startMcptap } from '../../shim/index.js';
import { sessionWithSecrets } from '../collector/secret-events.js';

async function count(local: RunningLocal, table: string, where: string): Promise<number> {
  const [row] = await (
    await local.store.client.query({
      query: `SELECT count() AS n FROM ${local.store.database}.${table} WHERE ${where}`,
      format: 'JSONEachRow',
    })
  ).json<{ n: string | number }>();
  return Number(row?.n);
}

describe('mcptap local (embedded ClickHouse): secrets masked by the receiver', () => {
  it('stores no raw secret in any table and still raises secret_egress and exfil_chain', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mcptap-local-masking-'));
    const fired: Alert[] = [];
    let local: RunningLocal | undefined;
    try {
      local = await startLocal({
        dataDir,
        listen: '127.0.0.1:0',
        rules: defaultRules(),
        tickIntervalMs: 3_600_000,
        onAlert: (alert) => fired.push(alert),
        env: {},
      });
      const session = sessionWithSecrets();
      const shim = startMcptap({ endpoint: local.url, apiKey: local.apiKey, registerGlobal: false });
      new SpanEmitter({ tracer: shim.tracer, metrics: shim.metrics }).emit(session.events);
      await shim.shutdown();
      await local.idle();
      assert.equal(local.stats().events, session.events.length);

      const rules = new Set(fired.map((alert) => alert.rule));
      for (const rule of ['secret_egress', 'exfil_chain']) assert.ok(rules.has(rule), `${rule} fired`);

      const columns = await (
        await local.store.client.query({
          query: `SELECT table, name, type FROM system.columns
                  WHERE database = '${local.store.database}' AND type LIKE '%String%'`,
          format: 'JSONEachRow',
        })
      ).json<{ table: string; name: string; type: string }>();
      assert.ok(columns.length > 50, `scanned ${columns.length} columns`);
      for (const { table, name, type } of columns) {
        for (const fragment of session.fragments) {
          const literal = `'${fragment.replace(/[\\']/g, (c) => `\\${c}`)}'`;
          const holds = type.startsWith('Array')
            ? `arrayExists(x -> position(x, ${literal}) > 0, ${name})`
            : `position(${name}, ${literal}) > 0`;
          assert.equal(await count(local, table, holds), 0, `${table}.${name} holds a secret`);
        }
      }
      assert.equal(await count(local, 'tool_calls', `position(result, '[SECRET:private_key:') > 0`), 1);
      assert.equal(await count(local, 'prompt_logs', `position(messages, '[SECRET:') > 0`), 1);
    } finally {
      await local?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
