// No secret is ever at rest, anywhere: fresh fake credentials of every type secrets/ knows are
// planted, through the real shim (library and `mcptap proxy`) in front of a real MCP server, in
// every place content travels — tool arguments and results, the catalog, resource URIs and
// contents, a prompt log with a tool result as JSON inside JSON, assistant output links, content
// cut inside a token by the shim's and the collector's caps, dead letters, alert summaries — into
// the full stack (collector → Kafka 4.1 → detectors and sink → ClickHouse 18.16, Alertmanager 0.25)
// and into `mcptap local` (embedded chdb). Then every place each stack keeps or shows anything is
// searched for every value and its encodings. A control string planted alongside, which nothing
// masks, must be found: the search can fail. A failure names place × type, never a value.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hashApiKey } from '../../collector/index.js';
import { startChildService, waitUntil, type ChildService } from '../../demo/child-service.js';
import { capContent } from '../../model/index.js';
import { createKafka, silentLogger } from '../../platform/index.js';
import { localApiKey, readLocalEndpoint } from '../../shim/index.js';
import { DEAD_LETTER_HEADERS, openEmbeddedStore, openStore, type Store } from '../../storage/index.js';
import { hostEnv, mcptap, startLocalProcess } from '../local/support.js';
import { freePort } from '../shim/support.js';
import { scriptedSession } from '../storage/scenario.js';
import { ensureInfra, fetchNotifications, infraEndpoints, uniqueName, waitFor } from '../support/infra.js';
import {
  fileSizes,
  scanAppended,
  scanFiles,
  scanTables,
  scanTopics,
  scanTopicSegments,
  sharedServerFiles,
  userDatabases,
} from './leak-places.js';
import { CONTROL, Findings, LeakSearch, plantedDocument, plantSecrets } from './planted-secrets.js';
import { COLLECTOR_CAP_BYTES, plantEverything, postRejectedSpans, type Planted } from './planting-host.js';

const secrets = plantSecrets();
/**
 * Secrets the test itself produces straight to the events topic, as another producer could, to make
 * dead letters: they are on that topic by the test's own hand, and must be nowhere else.
 */
const PRODUCED_RAW = 'produced-raw:';
const producedRaw = plantSecrets()
  .filter((s) => s.type !== CONTROL)
  .map((s) => ({ ...s, type: `${PRODUCED_RAW}${s.type}` }));
const search = new LeakSearch([...secrets, ...producedRaw]);
const producedRawOf = (type: string) => producedRaw.find((s) => s.type === `${PRODUCED_RAW}${type}`)!;
/** Where the test wrote `producedRaw`: the events topic, as records and in its segment files. */
const PRODUCED_RAW_PLACES = /^kafka(?:-segment)?:events\.v1 /;

function privateDir(path: string): string {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
  return path;
}

/** The columns each planted place lands in: the control string must be found in every one. */
const PLANTED_COLUMNS = [
  'tool_calls.arguments',
  'tool_calls.result',
  'content_reads.target',
  'content_reads.content',
  'catalog_snapshots.items',
  'prompt_logs.messages',
  'assistant_outputs.text',
  'egress_events.dest_value',
  'alerts.summary',
];

/** The control string turned up in each of `places` (prefixes): the search sees what is there. */
function assertSearchFindsControl(findings: Findings, places: readonly string[]): void {
  const found = findings.controlPlaces();
  const missing = places.filter((prefix) => !found.some((place) => place.startsWith(prefix)));
  assert.deepEqual(
    missing,
    [],
    `the control string was not found in: ${missing.join(', ')} (searched ${findings.searched.size} places)`,
  );
}

function assertNoLeaks(findings: Findings, stack: string): void {
  const leaks = findings
    .leaks()
    .filter((leak) => !(PRODUCED_RAW_PLACES.test(leak) && leak.includes(` × ${PRODUCED_RAW}`)));
  assert.equal(
    leaks.length,
    0,
    `${leaks.length} planted secret(s) found at rest in ${stack} (place × type):\n${leaks.join('\n')}`,
  );
}

/** The collector refused both bad requests (what it said is searched, never printed). */
function assertRejected(answers: readonly string[]): void {
  assert.equal(answers.length, 2);
  answers.forEach((answer, i) =>
    assert.ok(/^(400 |200 .*rejected)/s.test(answer), `bad request ${i + 1} was rejected`),
  );
}

async function alertmanagerAlerts(filter: string): Promise<string> {
  const url = new URL('/api/v2/alerts', infraEndpoints().alertmanagerUrl);
  url.searchParams.append('filter', filter);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url.href} answered ${response.status}`);
  return response.text();
}

describe('no planted secret at rest anywhere (real shim → full stack and mcptap local)', () => {
  const root = privateDir(mkdtempSync(join(tmpdir(), 'mcptap-secrets-everywhere-')));
  // The test's own input: the planted server reads the secrets from here. Never searched.
  const secretsFile = join(privateDir(join(root, 'input')), 'secrets.json');
  writeFileSync(secretsFile, JSON.stringify(secrets), { mode: 0o600 });
  const cleanups: (() => Promise<unknown>)[] = [];

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  });

  it('full stack: collector, Kafka 4.1, detectors, sink, ClickHouse 18.16, Alertmanager 0.25', async () => {
    const infra = await ensureInfra();
    const before = await fileSizes(await sharedServerFiles());
    const started = Date.now();
    const prefix = uniqueName('plant');
    const database = uniqueName('plant');
    const tenant = uniqueName('plant');
    const apiKey = `mcptap-plant-${randomBytes(16).toString('hex')}`;
    const work = privateDir(join(root, 'full'));
    const logs = privateDir(join(work, 'logs'));
    const files = privateDir(join(work, 'files'));
    const [collectorPort, sinkPort, detectorsPort] = [await freePort(), await freePort(), await freePort()];
    const env: Record<string, string> = {
      MCPTAP_KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      MCPTAP_TOPIC_PREFIX: prefix,
      MCPTAP_CLICKHOUSE_URL: infra.clickhouseUrl,
      MCPTAP_CLICKHOUSE_DATABASE: database,
      MCPTAP_ALERTMANAGER_URL: infra.alertmanagerUrl,
      MCPTAP_COLLECTOR_LISTEN: `127.0.0.1:${collectorPort}`,
      MCPTAP_COLLECTOR_API_KEYS: `${tenant}:${hashApiKey(apiKey)}`,
      MCPTAP_COLLECTOR_CONTENT_CAP_BYTES: String(COLLECTOR_CAP_BYTES),
      MCPTAP_SINK_BATCH_WAIT_MS: '200',
      MCPTAP_SINK_GROUP_ID: `${prefix}-sink`,
      MCPTAP_DETECTORS_GROUP: `${prefix}-detectors`,
      MCPTAP_SINK_METRICS_LISTEN: `127.0.0.1:${sinkPort}`,
      MCPTAP_DETECTORS_METRICS_LISTEN: `127.0.0.1:${detectorsPort}`,
    };
    const services: ChildService[] = [];
    const stopServices = async () => {
      for (const service of services.splice(0).reverse()) await service.stop();
    };
    cleanups.push(stopServices);
    const kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: prefix }, { logger: silentLogger });
    const store: Store = await openStore({
      url: infra.clickhouseUrl,
      username: 'default',
      password: '',
      database,
    });
    cleanups.push(async () => {
      await store.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await store.client.close();
    });
    const admin = kafka.admin();
    await admin.connect();
    const ourTopics = async () => (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
    cleanups.push(async () => {
      const topics = await ourTopics();
      if (topics.length > 0) await admin.deleteTopics({ topics });
      await admin.disconnect();
    });

    const sink = startChildService('sink', env, join(logs, 'sink.log'));
    services.push(sink);
    const collector = startChildService('collector', env, join(logs, 'collector.log'));
    services.push(collector);
    const collectorUrl = `http://127.0.0.1:${collectorPort}`;
    await waitUntil('the collector to be ready', async () => (await fetch(`${collectorUrl}/readyz`)).ok, {
      timeoutMs: 60_000,
      service: collector,
    });
    const detectors = startChildService('detectors', env, join(logs, 'detectors.log'));
    services.push(detectors);
    await waitUntil(
      'the sink to create the schema',
      async () => {
        const result = await store.client.query({
          query: `EXISTS TABLE ${database}.tool_calls`,
          format: 'TabSeparated',
        });
        return (await result.text()).trim() === '1';
      },
      { timeoutMs: 60_000, service: sink },
    );
    await waitUntil(
      'the sink to consume',
      async () => (await fetch(`http://127.0.0.1:${sinkPort}/readyz`)).ok,
      {
        timeoutMs: 60_000,
        service: sink,
      },
    );
    await waitUntil(
      'the detectors to consume',
      async () => (await fetch(`http://127.0.0.1:${detectorsPort}/readyz`)).ok,
      { timeoutMs: 60_000, service: detectors },
    );
    // A column narrower than the model allows (as after a careless migration): the shim's numeric
    // request ids fit, the dead-lettered row below does not, and ClickHouse refuses it.
    await store.client.command({
      query: `ALTER TABLE ${database}.tool_calls MODIFY COLUMN request_id UInt64`,
    });

    const planted: Planted = await plantEverything(
      {
        collectorUrl,
        apiKey,
        proxyEnv: { ...hostEnv(root), MCPTAP_COLLECTOR_URL: collectorUrl, MCPTAP_API_KEY: apiKey },
        workDir: files,
        secretsFile,
      },
      secrets,
    );

    const rejections = await postRejectedSpans(
      { collectorUrl, apiKey, proxyEnv: {}, workDir: files, secretsFile },
      planted.sessions[0]!,
      plantedDocument(secrets),
    );

    // Dead letters: a row ClickHouse refuses (a token as its request id, the settings in its
    // content), a record that is not JSON, and one that is JSON but no event.
    const document = plantedDocument(producedRaw);
    const deadSession = `plant-dead-${randomBytes(4).toString('hex')}`;
    const call = scriptedSession({ tenant, sessionId: deadSession, startMs: Date.now() }).events.find(
      (e) => e.kind === 'tool_call',
    )!;
    const refused = {
      ...call,
      event_id: `${deadSession}-refused`,
      request_id: producedRawOf('github_token').value,
      arguments: capContent(JSON.stringify({ document }), COLLECTOR_CAP_BYTES),
      result: capContent(document, COLLECTOR_CAP_BYTES),
    };
    const producer = kafka.producer();
    await producer.connect();
    await producer
      .send({
        topic: `${prefix}.events.v1`,
        acks: -1,
        messages: [
          { key: `${tenant}/${deadSession}`, value: JSON.stringify(refused) },
          { key: `${tenant}/${deadSession}`, value: `{"kind":"tool_call", ${document}` },
          {
            key: `${tenant}/${deadSession}`,
            value: JSON.stringify({ kind: 'tool_call', tenant, arguments: document }),
          },
        ],
      })
      .finally(() => producer.disconnect());

    const count = async (table: string) => {
      const result = await store.client.query({
        query: `SELECT count() AS n FROM ${database}.${table} WHERE tenant = '${tenant}'`,
        format: 'JSONEachRow',
      });
      return Number((await result.json<{ n: string }>())[0]?.n ?? 0);
    };
    await waitFor(async () => (await count('tool_calls')) >= planted.toolCalls, {
      timeoutMs: 90_000,
      intervalMs: 500,
      description: `${planted.toolCalls} tool calls stored`,
    });
    await waitFor(
      async () => (await count('content_reads')) >= planted.contentReads && (await count('alerts')) > 0,
      {
        timeoutMs: 60_000,
        intervalMs: 500,
        description: 'the resource reads and the alerts stored',
      },
    );
    await waitFor(
      async () => {
        const offsets = await admin.fetchTopicOffsets(`${prefix}.dead-letter.v1`);
        return offsets.reduce((sum, o) => sum + Number(o.high), 0) >= 5;
      },
      {
        timeoutMs: 60_000,
        intervalMs: 500,
        description: 'three dead letters from the sink, two from the detectors',
      },
    );
    await waitFor(
      async () =>
        (await fetchNotifications(started)).some((n) =>
          JSON.stringify(n.body).includes(`"tenant":"${tenant}"`),
        ),
      {
        timeoutMs: 60_000,
        intervalMs: 500,
        description: "Alertmanager's notification of this tenant's alerts",
      },
    );
    await stopServices();

    const findings = new Findings(search);
    await scanTables(findings, 'clickhouse', store, [database]);
    const topics = await ourTopics();
    const headers = await scanTopics(findings, kafka, prefix, topics);
    const reasons = (headers.get(`${prefix}.dead-letter.v1`) ?? []).map(
      (h) => h[DEAD_LETTER_HEADERS.reason] ?? '',
    );
    assert.ok(
      reasons.some((reason) => reason.startsWith('ClickHouse refused the row')),
      'the sink dead-lettered the row ClickHouse refused',
    );
    await scanTopicSegments(findings, prefix, topics);
    assertRejected(rejections);
    rejections.forEach((answer) => findings.scan('collector:answer to bad input', answer));
    await scanFiles(findings, 'log', logs);
    findings.scan('log:proxy stderr', planted.proxyStderr());
    await scanFiles(findings, 'file', files);
    findings.scan('alertmanager:api alerts', await alertmanagerAlerts(`tenant="${tenant}"`));
    for (const notification of await fetchNotifications(started)) {
      const body = JSON.stringify(notification.body);
      if (body.includes(tenant)) findings.scan('webhook:notification', body);
    }
    await scanAppended(findings, before);

    assertSearchFindsControl(findings, [
      ...PLANTED_COLUMNS.map((column) => `clickhouse:${database}.${column}`),
      'kafka:',
      'kafka-segment:',
      'file:proxy-record.jsonl',
      'alertmanager:',
      'webhook:',
    ]);
    assertNoLeaks(findings, 'the full stack');
  });

  it('mcptap local: embedded chdb in its own data directory', async () => {
    const infra = await ensureInfra(['alertmanager', 'webhook']);
    const before = await fileSizes(await sharedServerFiles());
    const started = Date.now();
    const dataDir = privateDir(join(root, 'local-data'));
    const files = privateDir(join(root, 'local-files'));
    const webhookPath = `/${uniqueName('plant-webhook')}`;
    const local = await startLocalProcess(
      dataDir,
      [
        '--listen',
        '127.0.0.1:0',
        '--alertmanager',
        infra.alertmanagerUrl,
        '--webhook',
        `${infra.webhookRecorderUrl}${webhookPath}`,
      ],
      { MCPTAP_COLLECTOR_CONTENT_CAP_BYTES: String(COLLECTOR_CAP_BYTES) },
    );
    cleanups.push(() => local.stop());
    const endpoint = readLocalEndpoint(dataDir);
    assert.ok(endpoint, 'mcptap local published its endpoint');

    const planted = await plantEverything(
      {
        collectorUrl: endpoint.url,
        apiKey: localApiKey(dataDir),
        proxyEnv: hostEnv(dataDir),
        workDir: files,
        secretsFile,
      },
      secrets,
    );
    const rejections = await postRejectedSpans(
      { collectorUrl: endpoint.url, apiKey: localApiKey(dataDir), proxyEnv: {}, workDir: files, secretsFile },
      planted.sessions[0]!,
      plantedDocument(secrets),
    );
    // The collector answers only after the store wrote a batch: once the shims flushed, what they
    // sent is stored. The proxy's last spans and the alert deliveries may still be under way.
    await waitFor(
      async () => {
        const { stdout } = await mcptap(['status', '--data', dataDir, '--format', 'json'], hostEnv(dataDir));
        const status = JSON.parse(stdout) as { stored: { events: number } };
        return status.stored.events >= planted.toolCalls + planted.contentReads;
      },
      { timeoutMs: 60_000, intervalMs: 500, description: 'every planted event stored' },
    );
    await waitFor(async () => (await fetchNotifications(started)).some((n) => n.path === webhookPath), {
      timeoutMs: 30_000,
      intervalMs: 500,
      description: 'the alert webhook',
    });
    assert.equal(await local.stop('SIGTERM'), 0, 'mcptap local stops cleanly');

    const findings = new Findings(search);
    const store = await openEmbeddedStore(join(dataDir, 'clickhouse'), 'mcptap');
    try {
      await scanTables(findings, 'chdb', store, await userDatabases(store));
    } finally {
      await store.client.close();
    }
    await scanFiles(findings, 'data-dir', dataDir);
    assertRejected(rejections);
    rejections.forEach((answer) => findings.scan('collector:answer to bad input', answer));
    findings.scan('log:local stdout', local.stdout.join('\n'));
    findings.scan('log:local stderr', local.stderr.join('\n'));
    findings.scan('log:proxy stderr', planted.proxyStderr());
    await scanFiles(findings, 'file', files);
    const sessionFilter = `session=~"${planted.sessions.join('|')}"`;
    findings.scan('alertmanager:api alerts', await alertmanagerAlerts(sessionFilter));
    for (const notification of await fetchNotifications(started)) {
      const body = JSON.stringify(notification.body);
      if (notification.path === webhookPath || planted.sessions.some((s) => body.includes(s))) {
        findings.scan(
          `webhook:${notification.path === webhookPath ? 'mcptap webhook' : 'alertmanager notification'}`,
          body,
        );
      }
    }
    await scanAppended(findings, before);

    assertSearchFindsControl(findings, [
      ...PLANTED_COLUMNS.map((column) => `chdb:mcptap.${column}`),
      'data-dir:',
      'file:proxy-record.jsonl',
      'alertmanager:',
      'webhook:',
    ]);
    assertNoLeaks(findings, 'mcptap local');
  });

  it('the search finds each planted value raw, escaped, URL-encoded, base64-encoded and cut in half', () => {
    for (const secret of secrets) {
      const forms = {
        raw: secret.line,
        'JSON-escaped twice': JSON.stringify(JSON.stringify({ text: secret.line })),
        'URL-encoded': encodeURIComponent(secret.value),
        base64: Buffer.from(`x${secret.line}`).toString('base64'),
        'first half': secret.line.slice(
          0,
          secret.line.indexOf(secret.randomParts[0]!) + secret.randomParts[0]!.length / 2 + 6,
        ),
      };
      for (const [form, text] of Object.entries(forms)) {
        assert.ok(search.typesIn(text).has(secret.type), `${secret.type} ${form}`);
      }
    }
    assert.equal(
      search.typesIn(plantedDocument(secrets.filter((s) => s.type !== CONTROL)).replace(/[A-Za-z0-9]/g, 'x'))
        .size,
      0,
    );
  });
});
