// How the audit tests tamper with a store, as someone with write access to ClickHouse would: the
// same on the 18.16 server and on embedded ClickHouse (chdb).
import { sqlLiteral, type Store } from '../../storage/index.js';
import { waitFor } from '../support/infra.js';

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

export async function deleteRow(store: Store, table: string, eventId: string): Promise<void> {
  await store.client.command({
    query: `ALTER TABLE ${store.database}.${table} DELETE WHERE event_id = ${sqlLiteral(eventId)}`,
  });
  await waitFor(
    async () =>
      (
        await select(
          store,
          `SELECT event_id FROM ${store.database}.${table} WHERE event_id = ${sqlLiteral(eventId)}`,
        )
      ).length === 0,
    { timeoutMs: 30_000, description: `the delete mutation of ${eventId}` },
  );
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
