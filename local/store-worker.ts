import { parentPort, workerData } from 'node:worker_threads';
import type { McpEvent } from '../model/index.js';
import { openEmbeddedStore, StoreWriter, type StoredRecord, type StoreTable } from '../storage/index.js';
import {
  openAuditSealer,
  sealedMember,
  type AuditSealer,
  type AuditWriterSettings,
  type SealedMember,
} from '../audit/index.js';
import { createLogger } from '../platform/index.js';
import type { FromStoreWorker, StoreWorkerData, ToStoreWorker } from './store-thread.js';
import { errorMessage } from '../model/index.js';

/**
 * The store thread's side (see store-thread.ts). A part is encoded into JSONEachRow bytes as soon
 * as it arrives — on this thread, while chdb inserts earlier ones on its own — and
 * kept until a write names it; a write hands its parts' bytes, joined by table, to chdb as they
 * are. Writes are inserted one after the other, in the order they came.
 */

/**
 * A part's rows as bytes by table with their audit members, or why they could not be made (the
 * write naming it fails with it).
 */
type Part = { bodies: ReturnType<StoreWriter['encode']>; sealed: SealedMember[] } | { failed: unknown };

const port = parentPort!;
const data = workerData as StoreWorkerData;
const send = (message: FromStoreWorker) => port.postMessage(message);
const firstLine = (error: unknown) => errorMessage(error).split('\n')[0]!;

async function serve(): Promise<void> {
  const store = await openEmbeddedStore(data.storeDir, data.database);
  // Records arrive masked: the receiver masks every event once (otlp/normalise-spans.ts),
  // unless the operator opted in to raw secrets, and alerts are made from those events.
  const writer = new StoreWriter(store, { mask: null });
  // Opened at the first write: the main thread migrates (creating audit_segments) while this one starts.
  let sealer: Promise<AuditSealer> | undefined;
  const sealerOpen = (audit: AuditWriterSettings) =>
    (sealer ??= openAuditSealer(store, audit, createLogger('audit')));
  const prepared = new Map<number, Part>();

  const insert = async (parts: ReadonlyArray<Part | undefined>) => {
    const byTable = new Map<StoreTable, Buffer[]>();
    for (const part of parts) {
      if (part === undefined) throw new Error('a part of the write was never prepared');
      if ('failed' in part) throw part.failed;
      for (const [table, body] of part.bodies) {
        const bodies = byTable.get(table);
        if (bodies === undefined) byTable.set(table, [body]);
        else bodies.push(body);
      }
    }
    for (const [table, bodies] of byTable) await store.insertJsonEachRow(table, Buffer.concat(bodies));
    if (data.audit) {
      const opened = await sealerOpen(data.audit);
      for (const part of parts) if (part !== undefined && 'sealed' in part) opened.rowsStored(part.sealed);
    }
  };

  let writing = Promise.resolve();
  port.on('message', (message: ToStoreWorker) => {
    switch (message.type) {
      case 'prepare': {
        try {
          const records: StoredRecord[] = message.events.map((json) => JSON.parse(json) as McpEvent);
          for (const alert of message.alerts) records.push(alert);
          const sealed: SealedMember[] = [];
          const bodies = writer.encode(records, (table, row) => {
            if (data.audit) sealed.push(sealedMember(table, row));
          });
          prepared.set(message.id, { bodies, sealed });
        } catch (error) {
          prepared.set(message.id, { failed: error });
        }
        return;
      }
      case 'write': {
        const parts = message.prepared.map((id) => prepared.get(id));
        for (const id of message.prepared) prepared.delete(id);
        writing = writing.then(() =>
          insert(parts).then(
            () => send({ type: 'written', id: message.id }),
            (error: unknown) => send({ type: 'write-failed', id: message.id, error: firstLine(error) }),
          ),
        );
        return;
      }
      case 'close':
        // The thread stays (see store-thread.ts; this listener keeps it): only the session is closed.
        void writing.then(async () => {
          await (await sealer)?.close();
          await store.client.close();
          send({ type: 'closed' });
        });
    }
  });
  send({ type: 'ready' });
}

serve().catch((error: unknown) => {
  send({ type: 'failed', error: firstLine(error) });
  port.on('message', () => undefined); // stays, as after close
});
