import { Worker } from 'node:worker_threads';
import type { AuditWriterSettings } from '../audit/index.js';
import type { Alert } from '../model/index.js';

/**
 * The store's writes on a thread of their own. Row encoding and handing a batch to chdb cost
 * hundreds of milliseconds of CPU per batch: on the event loop that receives requests and runs
 * the detectors, every alert raised meanwhile would wait behind them, and the two cores would not
 * both be used. Records go over in two steps: `prepare` as a request is accepted (the worker encodes
 * them while chdb inserts earlier batches; they were masked by the receiver), `write` when their batch is due (one insert
 * for every prepared part of the batch). Events travel as the JSON the collector already made of
 * them: copying a string to the worker costs far less than cloning the objects.
 *
 * The worker (store-worker.ts) opens its own chdb session on the same directory —
 * libchdb is one engine per process and its sessions share it — so reads, migrations and the
 * detector state stay on the main thread's store and see what the worker wrote.
 *
 * A thread that loaded chdb must not end before the process does: its exit tears down the engine
 * for every session (chdb 3.4). So `close` only closes the worker's session and leaves the idle
 * thread to end with the process; and a worker that died is not replaced, since the engine went
 * with it — writes then fail with that reason (503 to senders) until `mcptap local` is restarted.
 */

export interface StoreWorkerData {
  storeDir: string;
  database: string;
  /** Sealing of stored rows into the audit log (audit/), done on this thread; null: none. */
  audit?: AuditWriterSettings | null;
}

export type ToStoreWorker =
  | { type: 'prepare'; id: number; events: readonly string[]; alerts: readonly Alert[] }
  | { type: 'write'; id: number; prepared: readonly number[] }
  | { type: 'close' };

export type FromStoreWorker =
  | { type: 'ready' }
  | { type: 'failed'; error: string }
  | { type: 'closed' }
  | { type: 'written'; id: number }
  | { type: 'write-failed'; id: number; error: string };

// Compiled (`npm run build`), this module is JavaScript and so is the worker's; run from the
// TypeScript sources, the worker registers tsx before loading its module.
const COMPILED = import.meta.url.endsWith('.js');
const WORKER_MODULE = JSON.stringify(
  new URL(`./store-worker.${COMPILED ? 'js' : 'ts'}`, import.meta.url).href,
);
const BOOT = COMPILED
  ? `import(${WORKER_MODULE});`
  : `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => {
  register();
  return import(${WORKER_MODULE});
});`;

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

export class StoreThread {
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 0;
  private stopped: Error | undefined;
  private lastError: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: FromStoreWorker) => {
      if (message.type !== 'written' && message.type !== 'write-failed') return;
      const waiter = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.type === 'written') waiter?.resolve();
      else waiter?.reject(new Error(message.error));
    });
    worker.on('error', (error) => (this.lastError = error));
    worker.on('exit', (code) => {
      this.stopped = new Error(
        `the store thread stopped (exit code ${code}${this.lastError ? `: ${this.lastError.message}` : ''}); ` +
          'restart mcptap local',
      );
      for (const waiter of this.waiting.values()) waiter.reject(this.stopped);
      this.waiting.clear();
    });
  }

  /** Starts the worker and waits until its store is open (so a broken store fails the start). */
  static async start(data: StoreWorkerData): Promise<StoreThread> {
    const thread = new StoreThread(new Worker(BOOT, { eval: true, workerData: data }));
    const reply = await thread.next('ready');
    if (reply.type === 'failed') {
      thread.worker.unref();
      throw new Error(`the store thread could not open the store: ${reply.error}`);
    }
    return thread;
  }

  /**
   * Hands events (each as its JSON) and alerts to the worker to mask and encode now; the returned
   * handle is for `write`, which must follow (the worker keeps the rows until then).
   */
  prepare(events: readonly string[], alerts: readonly Alert[]): number {
    const id = this.nextId++;
    if (!this.stopped)
      this.worker.postMessage({ type: 'prepare', id, events, alerts } satisfies ToStoreWorker);
    return id;
  }

  /** Inserts prepared parts, in the order written; resolves once chdb acknowledged them. */
  async write(prepared: readonly number[]): Promise<void> {
    if (prepared.length === 0) return;
    if (this.stopped) throw this.stopped;
    const id = this.nextId++;
    const written = new Promise<void>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    this.worker.postMessage({ type: 'write', id, prepared } satisfies ToStoreWorker);
    return written;
  }

  /** Lets the worker finish what it was given and close its session; the idle thread ends with the process. */
  async close(): Promise<void> {
    if (this.stopped) return;
    const closed = this.next('closed');
    this.worker.postMessage({ type: 'close' } satisfies ToStoreWorker);
    await closed;
    this.stopped = new Error('the store thread is closed');
    this.worker.unref();
  }

  /** The worker's next lifecycle reply (`failed` counts as one), or its exit. */
  private next(type: 'ready' | 'closed'): Promise<FromStoreWorker> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: FromStoreWorker) => {
        if (message.type !== type && message.type !== 'failed') return;
        this.worker.off('message', onMessage);
        this.worker.off('exit', onExit);
        resolve(message);
      };
      const onExit = () => {
        this.worker.off('message', onMessage);
        reject(this.stopped);
      };
      this.worker.on('message', onMessage);
      this.worker.once('exit', onExit);
    });
  }
}
