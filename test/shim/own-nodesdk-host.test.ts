// A host with its own NodeSDK and OTLP pipeline (own-nodesdk-host.ts) reaches mcptap without giving
// anything up: with mcptap's span processor, and with mcptap's exporter in a second batch
// processor, its own receiver (a small OTLP/JSON recorder standing in for its collector) keeps
// getting every span it had, the MCP tool call reaches the real mcptap collector, and none of the
// host's other spans do.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EVERYTHING,
  REPO_ROOT,
  otlpJsonReceiver,
  startRecordingCollector,
  waitFor,
  type OtlpReceiver,
  type RecordingCollector,
} from './support.js';

const API_KEY = 'own-nodesdk-test-key';
const HOST = join(REPO_ROOT, 'test', 'shim', 'own-nodesdk-host.ts');

let recording: RecordingCollector;

before(async () => {
  recording = await startRecordingCollector('own-nodesdk', API_KEY);
});

after(async () => {
  await recording?.collector.close();
});

for (const mode of ['processor', 'exporter'] as const) {
  test(`a NodeSDK host with mcptap's ${mode} keeps its own pipeline and delivers MCP spans to mcptap`, async () => {
    const own: OtlpReceiver = await otlpJsonReceiver();
    try {
      const serverName = `everything-own-sdk-${mode}`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', HOST, mode], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: {
          ...process.env,
          OTEL_EXPORTER_OTLP_ENDPOINT: own.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          COLLECTOR: recording.collector.url,
          API_KEY,
          SERVER_NAME: serverName,
          SERVER: JSON.stringify(EVERYTHING),
        },
      });
      assert.match(stdout, new RegExp(`via the ${mode}`));

      const call = await recording.waitFor(
        (e) => e.kind === 'tool_call' && e.tool === 'echo' && e.server_name === serverName,
        `the tool call through mcptap's ${mode}`,
      );
      await waitFor(() => own.spanNames.includes('handle user request'));
      assert.ok(own.spanNames.includes('tools/call echo'), `own pipeline got ${own.spanNames.join(', ')}`);
      assert.deepEqual(own.apiKeys.filter(Boolean), [], 'the host’s pipeline never gets mcptap’s key');
      const ownCall = own.events.find((e) => e.kind === 'tool_call' && e.tool === 'echo');
      assert.equal(ownCall?.event_id, call.event_id, 'both pipelines got the same span');
      assert.equal(
        recording.collector.metrics.spansNotOurs.total(),
        0,
        'the host’s own spans never reach mcptap',
      );
    } finally {
      await own.close();
    }
  });
}
