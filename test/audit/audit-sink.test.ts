// The tamper-evident log through the real sink: Kafka 4.1 → ClickHouse 18.16, checkpoints on the
// audit topic and in a file; then rows and a checkpoint tampered with directly in ClickHouse.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  generateSigningKeyFile,
  kafkaOutlet,
  openAuditSealer,
  readCheckpointFile,
  readCheckpointTopic,
  readPublicKeyFile,
  publicKeyPath,
  verifyStore,
  type AuditSealer,
  type VerifyReport,
} from '../../audit/index.js';
import type { McpEvent, ToolCallEvent } from '../../model/index.js';
import { ensureTopics, silentLogger } from '../../platform/index.js';
import { maskSecrets } from '../../secrets/index.js';
import { startSink, StoreWriter, type Store } from '../../storage/index.js';
import { sampleEvents } from '../collector/sample-events.js';
import { scriptedSession } from '../storage/scenario.js';
import { infraEndpoints, uniqueName, waitFor } from '../support/infra.js';
import {
  dropStore,
  kafkaFixture,
  migratedStore,
  produce,
  recordMessages,
  type KafkaFixture,
} from '../storage/sink-harness.js';
import { deleteRow, editRow, forgeSignature, insertRow } from '../../demo/tamper.js';

const MCPTAP = fileURLToPath(new URL('../../bin/mcptap.js', import.meta.url));
const EVENTS = 300;

describe('audit log through the sink: Kafka 4.1 → ClickHouse 18.16', () => {
  let fixture: KafkaFixture;
  let store: Store;
  let dir: string;
  let keyFile: string;
  let checkpointFile: string;
  const tenant = uniqueName('acme');
  const session = uniqueName('s');
  const startMs = Date.UTC(2026, 10, 24, 10, 0, 0, 0);
  let ids: string[];

  const verify = async (): Promise<VerifyReport> =>
    verifyStore(store, {
      tenant,
      publicKey: readPublicKeyFile(publicKeyPath(keyFile)),
      external: [
        readCheckpointFile(checkpointFile),
        await readCheckpointTopic(fixture.kafka, fixture.topics.audit),
      ],
    });

  const cli = (): { status: number | null; stdout: string } => {
    const result = spawnSync(process.execPath, [MCPTAP, 'audit', 'verify', '--tenant', tenant], {
      encoding: 'utf8',
      env: {
        ...process.env,
        MCPTAP_CLICKHOUSE_URL: infraEndpoints().clickhouseUrl,
        MCPTAP_CLICKHOUSE_DATABASE: store.database,
        MCPTAP_TOPIC_PREFIX: fixture.prefix,
        MCPTAP_KAFKA_BROKERS: fixture.brokers.join(','),
        MCPTAP_AUDIT_PUBLIC_KEY_FILE: publicKeyPath(keyFile),
        MCPTAP_AUDIT_CHECKPOINT_FILE: checkpointFile,
      },
    });
    return { status: result.status, stdout: result.stdout + result.stderr };
  };

  before(async () => {
    fixture = await kafkaFixture('audit');
    await ensureTopics(fixture.kafka, [{ topic: fixture.topics.audit, partitions: 1, retentionMs: -1 }]);
    store = await migratedStore('audit');
    dir = await mkdtemp(join(tmpdir(), 'mcptap-audit-'));
    keyFile = join(dir, 'keys', 'signing.key');
    checkpointFile = join(dir, 'checkpoints.jsonl');
    generateSigningKeyFile(keyFile);

    const template = sampleEvents({ tenant, sessionId: session }).find(
      (e) => e.kind === 'tool_call',
    ) as ToolCallEvent;
    const events: McpEvent[] = Array.from({ length: EVENTS }, (_, i) => ({
      ...template,
      event_id: `${session}-${i}`,
      time: new Date(startMs + i * 1000).toISOString(),
    }));
    const scenario = scriptedSession({ tenant, sessionId: `${session}-x`, startMs, withSecrets: true });
    ids = events.map((e) => (e as ToolCallEvent).event_id);
    const records = [...events, ...scenario.events, ...scenario.alerts];

    const sealer: AuditSealer = await openAuditSealer(
      store,
      {
        signingKeyFile: keyFile,
        createKey: false,
        checkpointFile,
        writer: 'sink',
        segmentRecords: 64,
        segmentSeconds: 1,
      },
      silentLogger,
      [await kafkaOutlet(fixture.kafka, fixture.topics.audit)],
    );
    const sink = await startSink({
      kafka: fixture.kafka,
      topics: fixture.topics,
      writer: new StoreWriter(store, { mask: maskSecrets }),
      groupId: uniqueName('audit-sink'),
      batchRows: 100,
      batchBytes: 1 << 20,
      batchWaitMs: 200,
      retryMaxMs: 1000,
      logger: silentLogger,
      sealer,
    });
    // Every record twice: the sink is at least once, and a redelivery must not break verification.
    await produce(fixture.kafka, recordMessages(fixture.topics, records));
    await produce(fixture.kafka, recordMessages(fixture.topics, records.slice(0, 50)));
    await waitFor(
      async () => {
        const [row] = await (
          await store.client.query({
            query: `SELECT sum(count) AS n FROM ${store.database}.audit_segments FINAL WHERE tenant = '${tenant}'`,
            format: 'JSONEachRow',
          })
        ).json<{ n: string }>();
        return Number(row?.n ?? 0) >= records.length + 50;
      },
      { timeoutMs: 60_000, description: 'every stored row sealed' },
    );
    await sink.stop();
    await sealer.close();
  });

  after(async () => {
    await dropStore(store);
    await rm(dir, { recursive: true, force: true });
  });

  it('verifies every stored row against signed checkpoints in the store, the topic and the file', async () => {
    const report = await verify();
    assert.deepEqual(report.findings, []);
    assert.equal(report.ok, true);
    assert.ok(report.segments >= 5, `${report.segments} segments`);
    assert.ok(report.sealedRows >= EVENTS, `${report.sealedRows} sealed rows`);
    assert.equal(report.unsealed, 0);
    assert.equal((await stat(checkpointFile)).mode & 0o777, 0o600);
    assert.equal((await stat(keyFile)).mode & 0o777, 0o600);
    const { status, stdout } = cli();
    assert.equal(status, 0, stdout);
    assert.match(stdout, /^OK: /);
  });

  it('names an edited row, its table, event id and segment', async () => {
    await editRow(store, 'tool_calls', ids[10]!, 'tool', 'write_file');
    const report = await verify();
    const edited = report.findings.filter((f) => f.kind === 'edited_row');
    assert.equal(edited.length, 1, JSON.stringify(report.findings));
    assert.equal(edited[0]!.member, `tool_calls/${ids[10]}`);
    assert.match(edited[0]!.message, new RegExp(`${tenant}/sink#\\d+ \\(2026-11-24T10:`));
  });

  it('names a deleted row', async () => {
    await deleteRow(store, 'tool_calls', ids[20]!);
    const report = await verify();
    const deleted = report.findings.filter((f) => f.kind === 'deleted_row');
    assert.deepEqual(
      deleted.map((f) => f.member),
      [`tool_calls/${ids[20]}`],
    );
  });

  it('names an inserted row', async () => {
    await insertRow(store, 'tool_calls', ids[30]!, `${session}-forged`);
    const report = await verify();
    const inserted = report.findings.filter((f) => f.kind === 'inserted_row');
    assert.deepEqual(
      inserted.map((f) => f.member),
      [`tool_calls/${session}-forged`],
    );
  });

  it('names a checkpoint whose signature was tampered with', async () => {
    await forgeSignature(store, 1);
    const report = await verify();
    const kinds = report.findings.filter((f) => f.segment === `${tenant}/sink#1`).map((f) => f.kind);
    assert.ok(kinds.includes('bad_signature'), JSON.stringify(report.findings));
    assert.ok(kinds.includes('checkpoint_mismatch'), JSON.stringify(report.findings));
  });

  it('mcptap audit verify exits 1 and prints each finding', () => {
    const { status, stdout } = cli();
    assert.equal(status, 1, stdout);
    assert.match(stdout, /^TAMPERED: /);
    for (const kind of ['edited_row', 'deleted_row', 'inserted_row', 'bad_signature'])
      assert.match(stdout, new RegExp(kind));
  });
});
