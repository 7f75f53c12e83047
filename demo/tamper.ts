// How someone with write access to the store tampers with it: the same on a ClickHouse server and on
// embedded ClickHouse (chdb). The demo's tampering scenario and the audit tests use these.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { VerifyReport } from '../audit/index.js';
import { sqlLiteral, type Store } from '../storage/index.js';
import type { AuditVerification, Tampering } from './demo-stack.js';

const MCPTAP = fileURLToPath(new URL('../bin/mcptap.js', import.meta.url));

type Row = Record<string, unknown>;

async function select(store: Store, query: string): Promise<Row[]> {
  return (await store.client.query({ query, format: 'JSONEachRow' })).json<Row>();
}

async function insert(store: Store, table: string, rows: Row[]): Promise<void> {
  await store.client.insert({ table: `${store.database}.${table}`, values: rows, format: 'JSONEachRow' });
}

export async function storedRow(store: Store, table: string, eventId: string): Promise<Row> {
  const [row] = await select(
    store,
    `SELECT * FROM ${store.database}.${table} FINAL WHERE event_id = ${sqlLiteral(eventId)}`,
  );
  if (row === undefined) throw new Error(`no row ${eventId} in ${table}`);
  return row;
}

/** Replaces a row's column: a row with the same sort key inserted later wins (ReplacingMergeTree). */
export async function editRow(store: Store, table: string, eventId: string, column: string, value: unknown) {
  await insert(store, table, [{ ...(await storedRow(store, table, eventId)), [column]: value }]);
}

/** Deletes a row (a mutation) and waits until it is gone. */
export async function deleteRow(store: Store, table: string, eventId: string, timeoutMs = 30_000) {
  await store.client.command({
    query: `ALTER TABLE ${store.database}.${table} DELETE WHERE event_id = ${sqlLiteral(eventId)}`,
  });
  const deadline = Date.now() + timeoutMs;
  const exists = `SELECT event_id FROM ${store.database}.${table} WHERE event_id = ${sqlLiteral(eventId)}`;
  while ((await select(store, exists)).length > 0) {
    if (Date.now() > deadline)
      throw new Error(`the delete mutation of ${eventId} in ${table} did not finish in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A copy of an existing row under a new event id. */
export async function insertRow(store: Store, table: string, likeEventId: string, newEventId: string) {
  await insert(store, table, [{ ...(await storedRow(store, table, likeEventId)), event_id: newEventId }]);
}

/** Replaces a sealed segment's signature (a forged checkpoint in the store). */
export async function forgeSignature(store: Store, seq: number): Promise<void> {
  const [segment] = await select(
    store,
    `SELECT * FROM ${store.database}.audit_segments FINAL WHERE seq = ${seq}`,
  );
  if (segment === undefined) throw new Error(`no audit segment #${seq}`);
  const signature = Buffer.from(String(segment.signature), 'base64');
  signature[0] = signature[0]! ^ 0xff;
  await insert(store, 'audit_segments', [{ ...segment, signature: signature.toString('base64') }]);
}

/** Edits one stored row and deletes another, as `tampering` says. */
export async function tamper(store: Store, tampering: Tampering): Promise<void> {
  const { edit, delete: gone } = tampering;
  await editRow(store, edit.table, edit.eventId, edit.column, edit.value);
  await deleteRow(store, gone.table, gone.eventId);
}

/** Runs `mcptap audit verify … --format json` as an operator would, in its own process. */
export function auditVerifyCommand(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  startedMs: number,
): Promise<AuditVerification> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MCPTAP, 'audit', 'verify', ...args, '--format', 'json'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => {
      let report: VerifyReport | null = null;
      try {
        report = JSON.parse(stdout) as VerifyReport;
      } catch {
        stderr += stdout;
      }
      const shown = Object.entries(env).map(([name, value]) => `${name}=${value} `);
      resolve({
        command: `${shown.join('')}node bin/mcptap.js audit verify ${args.join(' ')}`,
        exitCode,
        report,
        stderr: stderr.slice(-2000),
        elapsedMs: Date.now() - startedMs,
      });
    });
  });
}
