// The queries the console and `mcptap sessions` add to storage, on the dashboards' scenario: run on
// both stores (ClickHouse 18.16 as the read-only user, embedded chdb 26.7) by the two test files.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  auditSettingsFromEnv,
  generateSigningKeyFile,
  openAuditSealer,
  publicKeyPath,
  sealedMember,
  serverVerifySources,
  type SealedMember,
} from '../../audit/index.js';
import type { AuditVerification, TenantLog } from '../../console/audit-log.js';
import { deleteRow, editRow } from '../../demo/tamper.js';
import { silentLogger } from '../../platform/index.js';
import { maskSecrets } from '../../secrets/index.js';
import {
  alertRecords,
  catalogHistory,
  destinationSessions,
  eventsById,
  migrate,
  recentSessions,
  recentAlerts,
  userActivity,
  serverActivity,
  serverInventory,
  StoreWriter,
  type Store,
} from '../../storage/index.js';
import { answerApi } from '../../console/console-api.js';
import type { McpEvent } from '../../model/index.js';
import { dashboardScenario } from '../dashboards/scenario.js';
import { uniqueName } from '../support/infra.js';

export interface QueryTarget {
  /** Writes (owner). */
  store: Store;
  /** Reads: the read-only user where the store has one. */
  reader: Store;
  close(): Promise<void>;
}

const KEEP_FOREVER = {
  tool_calls: 0,
  content_reads: 0,
  catalog_snapshots: 0,
  egress_events: 0,
  turns: 0,
  assistant_outputs: 0,
  prompt_logs: 0,
  alerts: 0,
};

export function describeConsoleQueries(label: string, open: () => Promise<QueryTarget>): void {
  const tenant = uniqueName('console_tenant');
  const startMs = Math.floor((Date.now() - 3 * 3600_000) / 60_000) * 60_000;
  const scenario = dashboardScenario(tenant, `${tenant}_other`, startMs);
  let target: QueryTarget;

  describe(label, () => {
    before(async () => {
      target = await open();
      await migrate(target.store, { retentionDays: KEEP_FOREVER });
      await new StoreWriter(target.store, { mask: maskSecrets }).write(scenario.records);
    });
    after(async () => {
      await target.store.client.command({ query: `DROP DATABASE IF EXISTS ${target.store.database}` });
      await target.close();
    });

    it('inventories the servers: versions, hosts, first and last seen, latest catalog hash per kind', async () => {
      const servers = await serverInventory(target.reader, { tenant });
      assert.deepEqual(
        servers.map((s) => s.server_name),
        ['files', 'weather', 'web'],
      );
      const files = servers[0]!;
      assert.deepEqual(files.versions, ['1.0.0']);
      assert.deepEqual(files.hosts, ['laptop-1', 'laptop-2']);
      assert.equal(files.host_count, 2);
      assert.deepEqual(files.catalogs, { tools: scenario.hashes.filesOnLaptop2 });
      assert.equal(files.catalog_hashes, 3);
      assert.ok(files.first_seen_ms < files.last_seen_ms);
      assert.deepEqual(servers[2]!.catalogs, {}, 'a server seen only in tool calls has no catalog');
      assert.ok((await serverInventory(target.reader, { tenant: `${tenant}_nobody` })).length === 0);
    });

    it('lists sessions most recently active first, with hosts, servers, events, alerts and rules', async () => {
      const sessions = await recentSessions(target.reader, { tenant });
      assert.deepEqual(
        sessions.map((s) => s.session_id),
        [scenario.secondSession, scenario.session, `${tenant}-old`],
      );
      const main = sessions[1]!;
      assert.deepEqual(main.hosts, ['laptop-1']);
      assert.deepEqual(main.servers, ['files', 'weather', 'web']);
      assert.equal(main.events, 16);
      assert.equal(main.alerts, 3);
      assert.deepEqual(main.rules, ['exfil_chain', 'ssrf_target', 'tool_poisoning']);
      assert.equal(main.first_seen_ms, startMs);
      assert.equal(main.last_seen_ms, startMs + 9500);
      assert.equal(sessions[0]!.alerts, 0);
      assert.deepEqual(main.users, ['alice@example.com']);
      assert.deepEqual(main.teams, ['payments']);
      assert.deepEqual(sessions[0]!.users, ['bob@example.com']);
    });

    it('sums up each user the hosts asserted: sessions, calls, alerts, destinations', async () => {
      const users = await userActivity(target.reader, { tenant });
      assert.deepEqual(users.map((u) => u.user_id).sort(), ['alice@example.com', 'bob@example.com']);
      const alice = users.find((u) => u.user_id === 'alice@example.com')!;
      const sessions = await recentSessions(target.reader, { tenant, userId: 'alice@example.com' });
      assert.equal(alice.sessions, sessions.filter((s) => s.events > 0).length);
      assert.deepEqual(alice.teams, ['payments']);
      assert.ok(alice.calls > 0);
      assert.equal(alice.alerts, 3);
      assert.ok(alice.destinations.length > 0);
      const [bob] = await userActivity(target.reader, { tenant, userId: 'bob@example.com' });
      assert.equal(bob?.user_id, 'bob@example.com');
      assert.equal(bob?.alerts, 0);
      assert.deepEqual(await userActivity(target.reader, { tenant, userId: 'nobody' }), []);
      const aliceAlerts = await recentAlerts(target.reader, { tenant, userId: 'alice@example.com' });
      assert.ok(aliceAlerts.length > 0 && aliceAlerts.every((a) => a.user_id === 'alice@example.com'));
      assert.deepEqual(await recentAlerts(target.reader, { tenant, userId: 'bob@example.com' }), []);

      // What the console's #/users and #/users/<id> views read.
      const list = await answerApi(target.reader, 'users', { tenant });
      assert.equal(list.status, 200);
      assert.equal((list.body as { users: unknown[] }).users.length, 2);
      const one = await answerApi(target.reader, `users/${encodeURIComponent('alice@example.com')}`, {
        tenant,
      });
      const body = one.body as {
        user: { user_id: string };
        sessions: { session_id: string }[];
        alerts: unknown[];
      };
      assert.equal(body.user.user_id, 'alice@example.com');
      assert.deepEqual(
        body.sessions.map((s) => s.session_id),
        sessions.map((s) => s.session_id),
      );
      assert.equal(body.alerts.length, 3);
      assert.equal((await answerApi(target.reader, 'users/nobody', { tenant })).status, 404);
    });

    it('filters sessions by user, and finds a user by text', async () => {
      const ids = async (filter: Parameters<typeof recentSessions>[1]) =>
        (await recentSessions(target.reader, { tenant, ...filter })).map((s) => s.session_id);
      assert.deepEqual(await ids({ userId: 'bob@example.com' }), [scenario.secondSession]);
      assert.deepEqual(await ids({ userId: 'bob' }), []);
      assert.deepEqual(await ids({ search: 'BOB@' }), [scenario.secondSession]);
    });

    it('filters sessions by text (session, host, server or tool), server and rule, and limits them', async () => {
      const ids = async (filter: Parameters<typeof recentSessions>[1]) =>
        (await recentSessions(target.reader, { tenant, ...filter })).map((s) => s.session_id);
      assert.deepEqual(await ids({ search: 'LAPTOP-2' }), [scenario.secondSession]);
      assert.deepEqual(await ids({ search: 'get_fore' }), [scenario.session]);
      assert.deepEqual(await ids({ search: "it's <none>" }), []);
      assert.deepEqual(await ids({ serverName: 'web' }), [scenario.session]);
      assert.deepEqual(await ids({ rule: 'exfil_chain' }), [scenario.session]);
      assert.deepEqual(await ids({ rule: 'no_such_rule' }), []);
      assert.deepEqual(await ids({ limit: 1 }), [scenario.secondSession]);
      const everyTenant = await recentSessions(target.reader, { search: tenant, limit: 10 });
      assert.ok(everyTenant.some((s) => s.tenant === scenario.otherTenant));
    });

    it('reads an alert’s records and its evidence events', async () => {
      const [ssrf] = await alertRecords(target.reader, { fingerprint: `${tenant}-f3` });
      assert.equal(ssrf?.rule, 'ssrf_target');
      const records = await alertRecords(target.reader, { fingerprint: `${tenant}-f3`, tenant });
      assert.deepEqual(records.map((a) => a.status).sort(), ['firing', 'resolved']);
      const exfil = (await alertRecords(target.reader, { fingerprint: `${tenant}-f1`, tenant }))[0]!;
      const evidence = await eventsById(target.reader, { eventIds: exfil.evidence_event_ids, tenant });
      assert.deepEqual(
        evidence.map((e) => e.record.event_id),
        exfil.evidence_event_ids,
      );
      assert.ok(evidence.every((e) => e.table === 'tool_calls'));
      assert.ok(!JSON.stringify(evidence).includes(scenario.secret), 'evidence holds the secret unmasked');
      assert.deepEqual(await eventsById(target.reader, { eventIds: [] }), []);
    });

    it('reads a server’s catalog history, oldest first', async () => {
      const serverId = scenario.records.find(
        (r) => 'server_name' in r && r.server_name === 'files' && 'kind' in r,
      )!;
      const history = await catalogHistory(target.reader, {
        serverId: (serverId as { server_id: string }).server_id,
        tenant,
      });
      assert.deepEqual(
        history.map((c) => c.hash),
        [scenario.hashes.filesBefore, scenario.hashes.filesAfter, scenario.hashes.filesOnLaptop2],
      );
      assert.deepEqual(history[1]!.diff.added, ['send_notes']);
    });

    it('counts calls, errors, sessions and catalog changes per server', async () => {
      const activity = await serverActivity(target.reader, { tenant });
      const byName = (name: string) => {
        const id = (
          scenario.records.find((r) => 'server_name' in r && r.server_name === name) as {
            server_id: string;
          }
        ).server_id;
        return activity.find((a) => a.server_id === id);
      };
      assert.deepEqual(
        { ...byName('files'), tenant: '', server_id: '' },
        { tenant: '', server_id: '', calls: 4, errors: 0, sessions: 3, catalog_changes: 1 },
      );
      assert.equal(byName('weather')?.errors, 1);
    });

    it('lists the sessions that reached each destination, most recent first', async () => {
      const rows = await destinationSessions(target.reader, { tenant });
      const api = rows.find((r) => r.dest_host === 'api.example.com');
      assert.deepEqual(api?.sessions, [scenario.session, `${tenant}-old`]);
      assert.deepEqual(rows.find((r) => r.dest_host === 'collect.evil.example')?.sessions, [
        scenario.session,
      ]);
    });

    it('shows the audit log per tenant and verifies it: intact when sealed, then the edited and deleted rows named', async () => {
      const auditTenant = uniqueName('audit_tenant');
      const records = dashboardScenario(auditTenant, `${auditTenant}_other`, startMs).records.filter(
        (r) => r.tenant === auditTenant,
      );
      const dir = await mkdtemp(join(tmpdir(), 'mcptap-console-audit-'));
      try {
        const keyFile = join(dir, 'signing.key');
        const checkpointFile = join(dir, 'checkpoints.jsonl');
        const key = generateSigningKeyFile(keyFile);
        const sealer = await openAuditSealer(
          target.store,
          {
            signingKeyFile: keyFile,
            createKey: false,
            checkpointFile,
            writer: 'sink',
            segmentRecords: 8,
            segmentSeconds: 3600,
          },
          silentLogger,
        );
        const writer = new StoreWriter(target.store, { mask: maskSecrets });
        const members: SealedMember[] = [];
        for (const [table, rows] of writer.rows(records, (t, row) => members.push(sealedMember(t, row)))) {
          await writer.insert(table, rows);
        }
        sealer.rowsStored(members);
        await sealer.close();

        const log = await answerApi(target.reader, 'audit', { tenant: auditTenant });
        assert.equal(log.status, 200);
        const [tenantLog, ...others] = (log.body as { tenants: TenantLog[] }).tenants;
        assert.equal(others.length, 0, 'only the tenant asked for');
        assert.equal(tenantLog?.tenant, auditTenant);
        assert.equal(tenantLog.rows, records.length);
        assert.equal(tenantLog.segments, Math.ceil(records.length / 8));
        assert.deepEqual(tenantLog.writers, ['sink']);
        assert.equal(tenantLog.latest.key_id, key.keyId);
        assert.match(tenantLog.latest.hash, /^[0-9a-f]{64}$/);
        assert.equal(tenantLog.latest.seq, tenantLog.segments - 1);
        assert.equal(tenantLog.first_time_ms, Math.min(...members.map((m) => m.timeMs)));
        assert.ok(!('members' in tenantLog.latest), 'the listing leaves the members out');
        const few = await answerApi(target.reader, 'audit', { tenant: auditTenant, limit: '2' });
        assert.equal((few.body as { tenants: TenantLog[] }).tenants[0]!.recent.length, 2);

        const audit = () =>
          serverVerifySources(
            auditSettingsFromEnv({
              MCPTAP_AUDIT_PUBLIC_KEY_FILE: publicKeyPath(keyFile),
              MCPTAP_AUDIT_CHECKPOINT_FILE: checkpointFile,
            }),
            null,
          );
        const verify = async () => {
          const answer = await answerApi(target.reader, 'audit/verify', { tenant: auditTenant }, { audit });
          assert.equal(answer.status, 200);
          return answer.body as AuditVerification;
        };
        const intact = await verify();
        assert.equal(intact.report?.ok, true, JSON.stringify(intact.report?.findings));
        assert.equal(intact.report.sealedRows, records.length);
        assert.deepEqual(intact.copies, [`file ${checkpointFile}`]);
        assert.match(intact.next_steps.join(' '), /nothing to do/);

        const noCopy = (
          await answerApi(
            target.reader,
            'audit/verify',
            { tenant: auditTenant },
            {
              audit: () =>
                serverVerifySources(
                  auditSettingsFromEnv({
                    MCPTAP_AUDIT_PUBLIC_KEY_FILE: publicKeyPath(keyFile),
                    MCPTAP_AUDIT_CHECKPOINT_FILE: join(dir, 'elsewhere.jsonl'),
                  }),
                  null,
                ),
            },
          )
        ).body as AuditVerification;
        assert.equal(noCopy.report, null);
        assert.match(
          noCopy.cannot_verify ?? '',
          /the checkpoints' copies could not be read: .*elsewhere\.jsonl/,
        );
        assert.deepEqual(noCopy.copies, [`file ${join(dir, 'elsewhere.jsonl')}`]);

        const unconfigured = await answerApi(target.reader, 'audit/verify', { tenant: auditTenant });
        const none = unconfigured.body as AuditVerification;
        assert.equal(none.report, null);
        assert.match(none.cannot_verify ?? '', /MCPTAP_AUDIT_PUBLIC_KEY_FILE/);

        const calls = records.filter(
          (r): r is McpEvent & { kind: 'tool_call' } => 'kind' in r && r.kind === 'tool_call',
        );
        const [edited, deleted] = [calls[1]!, calls[3]!];
        await editRow(target.store, 'tool_calls', edited.event_id, 'tool', 'quietly_renamed');
        await deleteRow(target.store, 'tool_calls', deleted.event_id);
        const tampered = await verify();
        assert.equal(tampered.report?.ok, false);
        const byKind = (kind: string) => tampered.findings.filter((f) => f.kind === kind);
        assert.deepEqual(
          byKind('edited_row').map((f) => f.member),
          [`tool_calls/${edited.event_id}`],
        );
        assert.deepEqual(
          byKind('deleted_row').map((f) => f.member),
          [`tool_calls/${deleted.event_id}`],
        );
        assert.equal(tampered.findings.length, 2, JSON.stringify(tampered.findings));
        for (const [finding, row] of [
          [byKind('edited_row')[0]!, edited],
          [byKind('deleted_row')[0]!, deleted],
        ] as const) {
          const rowMs = Date.parse(row.time);
          assert.ok(
            finding.first_time_ms! <= rowMs && rowMs <= finding.last_time_ms!,
            `the finding's sealed range holds the row: ${JSON.stringify(finding)}`,
          );
          assert.match(finding.segment ?? '', new RegExp(`^${auditTenant}/sink#\\d+$`));
        }
        assert.match(tampered.next_steps.join(' '), /query_log/);
        const later = await answerApi(
          target.reader,
          'audit/verify',
          { tenant: auditTenant, from: String(Date.now() + 3600_000) },
          { audit },
        );
        const laterReport = (later.body as AuditVerification).report;
        assert.equal(laterReport?.ok, true, 'rows sealed before the range asked for are not judged');
        assert.equal(laterReport.sealedRows, 0);
        await assert.rejects(
          answerApi(target.reader, 'audit/verify', { from: 'yesterday' }, { audit }),
          /from 'yesterday' is not a time in ms since the epoch/,
        );
        assert.equal((await answerApi(target.reader, 'audit/nothing', {})).status, 404);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}
