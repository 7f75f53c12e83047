// The collector's pure step masks secrets before anything leaves the receiver, and what the
// detectors need of a secret survives in the mask: the same alerts, with the same fingerprints.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeOtlpProtobuf } from '../../../otlp/otlp-protobuf-decode.js';
import { normaliseSpans, type NormaliseOptions } from '../../../otlp/normalise-spans.js';
import type { DecodedSpan } from '../../../otlp/decoded-span.js';
import { createDetectorEngine, defaultRules } from '../../../detectors/index.js';
import { parseEvent, type Alert, type McpEvent } from '../../../model/index.js';
import { maskSecretsInText, type MaskContext } from '../../../secrets/index.js';
import { otlpProtobufBody } from '../../collector/otel-sdk.js';
import { GITHUB_TOKEN, sessionWithSecrets } from '../../collector/secret-events.js';
import { toolCall } from '../detectors/make-events.js';

const { events: SESSION, fragments: FRAGMENTS, secrets } = sessionWithSecrets();

const options = (mask: NormaliseOptions['mask']): NormaliseOptions => ({
  caps: { contentBytes: 65536, catalogBytes: 262144, promptBytes: 524288 },
  maxRecordBytes: 786432,
  forwardRawSpans: true,
  mask,
});

async function decoded(events: readonly McpEvent[]): Promise<DecodedSpan[]> {
  return decodeOtlpProtobuf(Buffer.from(await otlpProtobufBody(events)));
}

function alertsOf(events: readonly McpEvent[]): Alert[] {
  const engine = createDetectorEngine(defaultRules());
  return events.flatMap((event) => engine.process(event));
}

const published = (spans: readonly DecodedSpan[], mask: NormaliseOptions['mask']) =>
  normaliseSpans(spans, 'tenant-1', options(mask));

const eventsOf = (spans: readonly DecodedSpan[], mask: NormaliseOptions['mask']) =>
  published(spans, mask).items.map((item) => parseEvent(JSON.parse(item.value)));

describe('normaliseSpans masks secrets', () => {
  it('in arguments, results, prompt messages, catalogs and egress: no raw secret is left, a mask is in its place', async () => {
    const result = published(await decoded(SESSION), maskSecretsInText);
    assert.equal(result.rejected, 0);
    assert.equal(result.items.length, 5);
    for (const item of result.items) {
      for (const secret of FRAGMENTS) assert.ok(!item.value.includes(secret), item.value);
      assert.match(item.value, /\[SECRET:[a-z0-9_]+:[0-9a-f]{8}\]/);
      assert.equal(item.bytes, Buffer.byteLength(item.value, 'utf8'));
      // The published object is what was serialised: local mode's detectors see the same.
      assert.equal(item.type === 'event' && JSON.stringify(item.event), item.value);
    }
    const masked = result.items.map((item) => parseEvent(JSON.parse(item.value)));
    const call = masked.find((e) => e.kind === 'tool_call' && e.tool === 'http_post');
    assert.ok(call?.kind === 'tool_call');
    // Masked JSON content stays JSON.
    assert.match(
      (JSON.parse(call.arguments.text) as { body: string }).body,
      /^token=\[SECRET:github_token:[0-9a-f]{8}\]$/,
    );
  });

  it('keeps identity fields and the digest of the original content', async () => {
    const events = SESSION;
    const masked = eventsOf(await decoded(events), maskSecretsInText);
    const read = events[1]!;
    const got = masked.find((e) => e.event_id === read.event_id);
    assert.ok(got?.kind === 'tool_call' && read.kind === 'tool_call');
    assert.equal(got.result.sha256, read.result.sha256);
    assert.equal(got.result.bytes, read.result.bytes);
    assert.match(got.result.text, /^\[SECRET:private_key:[0-9a-f]{8}\]\n?$/);
  });

  it('produces them raw when the operator opted in (mask null)', async () => {
    const values = published(await decoded(SESSION), null).items.map((item) => item.value);
    for (const secret of [secrets.awsAccessKeyId, GITHUB_TOKEN])
      assert.ok(values.some((value) => value.includes(secret)));
    assert.ok(!values.some((value) => value.includes('[SECRET:')));
  });

  it('masks the attributes and resource of spans of other instrumentations it forwards', () => {
    const span: DecodedSpan = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      name: 'GET /v1/things',
      kind: 3,
      startTimeMs: 1_700_000_000_000,
      endTimeMs: 1_700_000_000_010,
      attributes: { 'http.request.header.authorization': `Bearer ${GITHUB_TOKEN}`, 'http.status_code': 200 },
      statusCode: 0,
      resource: { 'service.name': 'agent', 'deploy.aws_key': secrets.awsAccessKeyId },
      scope: 'http',
    };
    const [item] = published([span], maskSecretsInText).items;
    assert.equal(item?.type, 'raw_span');
    assert.ok(!item.value.includes(GITHUB_TOKEN) && !item.value.includes(secrets.awsAccessKeyId));
    const record = JSON.parse(item.value) as Record<string, unknown>;
    assert.equal(record.trace_id, span.traceId);
    assert.equal((record.attributes as Record<string, unknown>)['http.status_code'], 200);
    assert.ok(published([span], null).items[0]!.value.includes(GITHUB_TOKEN));
  });

  it('tells the masker which text the cap cut (where a secret may be partial)', async () => {
    const [call] = await decoded([
      toolCall('read_file', { path: 'a' }, `${'x'.repeat(100)} ${secrets.privateKey}`, { ms: 0 }),
    ]);
    const seen: Array<[string, MaskContext]> = [];
    normaliseSpans([call!], 't', {
      ...options((text, context) => (seen.push([text, context]), text)),
      caps: { contentBytes: 200, catalogBytes: 200, promptBytes: 200 },
    });
    const cut = seen.filter(([, context]) => context.truncated).map(([text]) => text);
    assert.equal(cut.length, 1);
    assert.ok(cut[0]!.startsWith('x'.repeat(100)) && cut[0]!.includes('BEGIN PRIVATE KEY'));
    assert.ok(seen.some(([text, context]) => text === '{"path":"a"}' && !context.truncated));
  });
});

describe('detectors on masked events', () => {
  it('raise every secret alert (secret_egress, exfil_chain, catalog lint) with the same fingerprints as on raw events', async () => {
    const spans = await decoded(SESSION);
    const summary = (alerts: Alert[]) =>
      alerts
        .map((a) => ({ rule: a.rule, fingerprint: a.fingerprint, severity: a.severity }))
        .sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
    const raw = alertsOf(eventsOf(spans, null));
    const masked = alertsOf(eventsOf(spans, maskSecretsInText));
    const rules = new Set(raw.map((a) => a.rule));
    for (const rule of ['secret_egress', 'exfil_chain'])
      assert.ok(rules.has(rule), `${rule} fires on raw events`);
    assert.ok(
      raw.some((a) => a.rule.startsWith('catalog_lint.')),
      'catalog lint fires on the description',
    );
    assert.deepEqual(summary(masked), summary(raw));
    for (const alert of masked)
      for (const secret of FRAGMENTS) assert.ok(!JSON.stringify(alert).includes(secret));
  });
});
