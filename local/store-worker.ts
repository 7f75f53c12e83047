import { parentPort, workerData } from 'node:worker_threads';
import { openEmbeddedStore, secretMaskerFor, StoreWriter, type StoredRecord } from '../storage/index.js';
import type { FromStoreWorker, StoreWorkerData, ToStoreWorker } from './store-thread.js';

/** The store thread's side (see store-thread.ts): chunks in, one StoreWriter.write per batch, in order. */

const port = parentPort!;
const data = workerData as StoreWorkerData;
const send = (message: FromStoreWorker) => port.postMessage(message);
const firstLine = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

async function serve(): Promise<void> {
  const store = await openEmbeddedStore(data.storeDir, data.database);
  const writer = new StoreWriter(store, { mask: data.maskSecrets ? await secretMaskerFor() : null });
  const arriving = new Map<number, StoredRecord[]>();
  let writing = Promise.resolve();
  port.on('message', (message: ToStoreWorker) => {
    if (message.type === 'close') {
      // The thread stays (see store-thread.ts; this listener keeps it): only the session is closed.
      void writing.then(async () => {
        await store.client.close();
        send({ type: 'closed' });
      });
      return;
    }
    const records = arriving.get(message.id) ?? [];
    for (const record of message.records) records.push(record);
    if (!message.last) {
      arriving.set(message.id, records);
      return;
    }
    arriving.delete(message.id);
    writing = writing.then(() =>
      writer.write(records).then(
        () => send({ type: 'written', id: message.id }),
        (error: unknown) => send({ type: 'write-failed', id: message.id, error: firstLine(error) }),
      ),
    );
  });
  send({ type: 'ready' });
}

serve().catch((error: unknown) => {
  send({ type: 'failed', error: firstLine(error) });
  port.on('message', () => undefined); // stays, as after close
});
