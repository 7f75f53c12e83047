// The tamper-evident log through `mcptap local`'s store thread on embedded ClickHouse (chdb):
// sealed as the worker stores, checkpoints in the data directory's file; then tampered with.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  auditSettingsFromEnv,
  auditWriterSettings,
  localAuditDefaults,
  publicKeyPath,
  readCheckpointFile,
  readPublicKeyFile,
  signingKeyFor,
  verifyStore,
  type VerifyReport,
} from '../../audit/index.js';
import { LOCAL_DATABASE } from '../../local/index.js';
import { StoreThread } from '../../local/store-thread.js';
import type { ToolCallEvent } from '../../model/index.js';
import { migrate, openEmbeddedStore, storageSettingsFromEnv, type Store } from '../../storage/index.js';
import { sampleEvents } from '../collector/sample-events.js';
import { uniqueName } from '../support/infra.js';
import { deleteRow, editRow, forgeSignature, insertRow } from '../../demo/tamper.js';

const EVENTS = 400;
const MCPTAP = fileURLToPath(new URL('../../bin/mcptap.js', import.meta.url));

describe("audit log through mcptap local's store thread on embedded ClickHouse (chdb)", () => {
  let dataDir: string;
  let store: Store;
  const tenant = 'local';
  const session = uniqueName('s');
  const ids = Array.from({ length: EVENTS }, (_, i) => `${session}-${i}`);

  const verify = (): Promise<VerifyReport> => {
    const defaults = localAuditDefaults(dataDir);
    return verifyStore(store, {
      publicKey: readPublicKeyFile(publicKeyPath(defaults.signingKeyFile)),
      external: [readCheckpointFile(defaults.checkpointFile)],
    });
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mcptap-audit-local-'));
    const storeDir = join(dataDir, 'clickhouse');
    store = await openEmbeddedStore(storeDir, LOCAL_DATABASE, { embeddedTables: true });
    // As startLocal does: the defaults of local mode, the key made before the thread starts.
    const audit = auditWriterSettings(auditSettingsFromEnv({ MCPTAP_AUDIT_SEGMENT_RECORDS: '100' }), {
      localDataDir: dataDir,
    });
    assert.ok(audit);
    signingKeyFor(audit);
    const thread = await StoreThread.start({ storeDir, database: store.database, audit });
    await migrate(store, { retentionDays: storageSettingsFromEnv({}).retentionDays });
    const template = sampleEvents({ tenant, sessionId: session }).find(
      (e) => e.kind === 'tool_call',
    ) as ToolCallEvent;
    const json = ids.map((id, i) =>
      JSON.stringify({
        ...template,
        event_id: id,
        time: new Date(Date.UTC(2026, 10, 24, 9, 0, i)).toISOString(),
      }),
    );
    const extra = json.splice(EVENTS - 50);
    await thread.write([thread.prepare(json.slice(0, 250), []), thread.prepare(json.slice(250), [])]);
    // A redelivered part: stored again, sealed again, verified all the same.
    await thread.write([thread.prepare(json.slice(0, 10), [])]);
    await thread.close(); // seals what is open
    // A restarted store thread continues the chain where the table says it ends.
    const restarted = await StoreThread.start({
      storeDir,
      database: store.database,
      audit,
    });
    await restarted.write([restarted.prepare(extra, [])]);
    await restarted.close();
  });

  after(async () => {
    await store.client.close().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('verifies every row the worker stored, the key and the checkpoint file private', async () => {
    const report = await verify();
    assert.deepEqual(report.findings, []);
    assert.equal(report.sealedRows, EVENTS);
    // 360 rows in segments of 100 before the restart (4), 50 after it (1), one chain.
    assert.equal(report.segments, 5);
    const defaults = localAuditDefaults(dataDir);
    assert.equal((await stat(defaults.signingKeyFile)).mode & 0o777, 0o600);
    assert.equal((await stat(defaults.checkpointFile)).mode & 0o777, 0o600);
  });

  it('names an edited, a deleted and an inserted row, and a forged checkpoint', async () => {
    await editRow(store, 'tool_calls', ids[5]!, 'duration_ms', 1);
    await deleteRow(store, 'tool_calls', ids[150]!);
    await insertRow(store, 'tool_calls', ids[300]!, `${session}-forged`);
    await forgeSignature(store, 2);
    const report = await verify();
    const found = (kind: string) =>
      report.findings.filter((f) => f.kind === kind).map((f) => f.member ?? f.segment);
    assert.deepEqual(found('edited_row'), [`tool_calls/${ids[5]}`]);
    assert.deepEqual(found('deleted_row'), [`tool_calls/${ids[150]}`]);
    assert.deepEqual(found('inserted_row'), [`tool_calls/${session}-forged`]);
    assert.deepEqual(found('bad_signature'), [`${tenant}/local#2`]);
    assert.equal(report.ok, false);
  });

  it("mcptap audit verify --data reads the data directory's store, key and checkpoints, and exits 1", async () => {
    await store.client.close();
    const result = spawnSync(process.execPath, [MCPTAP, 'audit', 'verify', '--data', dataDir], {
      encoding: 'utf8',
      env: { ...process.env, MCPTAP_CLICKHOUSE_URL: '' },
    });
    assert.equal(result.status, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /^TAMPERED: /);
    assert.match(result.stdout, new RegExp(`deleted_row: row tool_calls/${ids[150]}`));
  });
});
