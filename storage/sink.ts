import type { Kafka } from 'kafkajs';
import type { TopicNames } from '../model/index.js';
import { decodeOtlpRecord, rejectedSpansReport } from '../otlp/index.js';
import {
  decodeJsonRecord,
  startBatchConsumer,
  type Accepted,
  type BatchHandler,
  type ConsumedRecord,
  type Decoded,
  type Logger,
  type OtlpTopicSettings,
  type Refused,
  type WriteContext,
} from '../platform/index.js';
import { valuesRefused } from './insert-errors.js';
import type { Row, StoredRecord } from './row-codec.js';
import { createSinkMetrics, type SinkMetrics } from './sink-metrics.js';
import { validateRecord, type RecordSource, type RowSealer, type StoreWriter } from './store-writer.js';
import type { StoreTable } from './tables.js';
import { errorMessage } from '../model/index.js';

/**
 * Kafka → store: the sink's handler on the batch consumer (platform/kafka/batch-consumer.ts), over
 * the events, catalog, prompts and alerts topics. Fetched records are validated, masked and turned
 * into rows ahead of the writes; a batch is stored with one insert per table, each retried while
 * ClickHouse cannot be reached (consumption paused meanwhile: nothing is skipped), and its offsets
 * are committed once it is stored (at-least-once; the tables collapse redeliveries). A message that
 * is not a valid event or alert, or a row that ClickHouse refuses to read (found by halving the
 * insert until it stands alone), goes to the dead-letter topic, masked as the writer masks records.
 */

export interface SinkOptions {
  kafka: Kafka;
  topics: TopicNames;
  writer: StoreWriter;
  groupId: string;
  batchRows: number;
  batchBytes: number;
  batchWaitMs: number;
  retryMaxMs: number;
  logger: Logger;
  /** Partitions whose fetched batches are decoded at once (default 4). */
  partitionsConcurrently?: number;
  /** Told when a Kafka consumer stopped for good (kafkajs gave up on it): the service should exit. */
  onConsumerStopped?: (error: Error) => void;
  metrics?: SinkMetrics;
  /** Seals stored rows into the tamper-evident audit log (audit/); none: rows are not sealed. */
  sealer?: RowSealer;
  /** An OTLP protobuf topic consumed besides the events (the OpenTelemetry Collector's kafka exporter). */
  otlpInput?: OtlpTopicSettings | null;
}

export interface RunningSink {
  stop(): Promise<void>;
}

interface PendingRow {
  table: StoreTable;
  row: Row;
  /** What the sealer made of the row, handed back to it once the row is stored. */
  sealed?: unknown;
}

/** Batches being stored at once: ClickHouse parses one while the next one is sent. */
const INSERTS_IN_FLIGHT = 2;
/** Longest a fetch waits at the broker when there is nothing new (a long poll). */
const FETCH_WAIT_MS = 1000;

function firstLine(error: unknown): string {
  return errorMessage(error).split('\n')[0]!.slice(0, 300);
}

/**
 * Rows into ClickHouse: the sink's part of the batch consumer. A record is one row, or as many as
 * its OTLP request holds events; a row ClickHouse refuses dead-letters the record it came from.
 */
export class SinkHandler implements BatchHandler<readonly PendingRow[]> {
  constructor(
    private readonly topics: TopicNames,
    private readonly writer: StoreWriter,
    private readonly metrics: SinkMetrics,
    private readonly logger: Logger,
    private readonly sealer?: RowSealer,
    private readonly otlpInput?: OtlpTopicSettings,
  ) {}

  decode(record: ConsumedRecord): Decoded<readonly PendingRow[]> {
    if (this.otlpInput !== undefined && record.topic === this.otlpInput.topic) return this.decodeOtlp(record);
    const source: RecordSource = record.topic === this.topics.alerts ? 'alert' : 'event';
    const decoded = decodeJsonRecord(record.value, (json) => validateRecord(json, source), source);
    if (!decoded.ok) return decoded;
    return { ok: true, value: [this.pendingRow(decoded.value)] };
  }

  private pendingRow(record: StoredRecord): PendingRow {
    const built = this.writer.row(record);
    return { ...built, sealed: this.sealer?.rowBuilt(built.table, built.row) };
  }

  /** Events masked as the writer masks what it stores. */
  private decodeOtlp(record: ConsumedRecord): Decoded<readonly PendingRow[]> {
    const decoded = decodeOtlpRecord(record, {
      tenancy: this.otlpInput!.tenancy,
      mask: this.writer.options.mask,
    });
    if (!decoded.ok) return decoded;
    const { events } = decoded.value;
    const rejected = rejectedSpansReport(record, decoded.value);
    if (rejected !== undefined) this.logger.warn('spans of an OTLP record rejected', rejected);
    return { ok: true, value: events.map((event) => this.pendingRow(event)) };
  }

  async write(batch: readonly Accepted<readonly PendingRow[]>[], context: WriteContext): Promise<Refused[]> {
    const byTable = new Map<StoreTable, Accepted<PendingRow>[]>();
    for (const { value, record } of batch) {
      for (const pending of value) {
        let rows = byTable.get(pending.table);
        if (rows === undefined) byTable.set(pending.table, (rows = []));
        rows.push({ value: pending, record });
      }
    }
    // An OTLP record's rows may be refused in several tables: it is dead-lettered once.
    const refused = new Map<ConsumedRecord, Refused>();
    for (const [table, rows] of byTable)
      for (const one of await this.insert(table, rows, context))
        if (!refused.has(one.record)) refused.set(one.record, one);
    return [...refused.values()];
  }

  /** Inserts rows of one table; rows ClickHouse refuses to read are found by halving the insert. */
  private async insert(
    table: StoreTable,
    rows: readonly Accepted<PendingRow>[],
    context: WriteContext,
  ): Promise<Refused[]> {
    const result = await context.retry(
      'ClickHouse write',
      'clickhouse',
      async () => {
        const started = performance.now();
        await this.writer.insert(
          table,
          rows.map((pending) => pending.value.row),
        );
        this.metrics.insertDuration.observe((performance.now() - started) / 1000);
      },
      { refused: (error) => valuesRefused(error) !== undefined, context: { table, rows: rows.length } },
    );
    if ('done' in result) {
      this.metrics.rowsStored.inc({ table }, rows.length);
      this.sealer?.rowsStored(rows.map((pending) => pending.value.sealed));
      return [];
    }
    if (rows.length === 1) {
      return [
        {
          record: rows[0]!.record,
          reason: `ClickHouse refused the row: ${firstLine(result.refused)}`,
          cause: 'refused_by_clickhouse',
        },
      ];
    }
    const half = Math.ceil(rows.length / 2);
    return [
      ...(await this.insert(table, rows.slice(0, half), context)),
      ...(await this.insert(table, rows.slice(half), context)),
    ];
  }
}

export async function startSink(options: SinkOptions): Promise<RunningSink> {
  const { topics, writer } = options;
  const metrics = options.metrics ?? createSinkMetrics();
  return startBatchConsumer({
    kafka: options.kafka,
    groupId: options.groupId,
    topics: [
      topics.events,
      topics.catalog,
      topics.prompts,
      topics.alerts,
      ...(options.otlpInput ? [options.otlpInput.topic] : []),
    ],
    handler: new SinkHandler(
      topics,
      writer,
      metrics,
      options.logger,
      options.sealer,
      options.otlpInput ?? undefined,
    ),
    component: 'sink',
    deadLetter: { topic: topics.deadLetter, mask: writer.options.mask },
    logger: options.logger,
    metrics: { ...metrics, queued: metrics.queuedRows },
    batchRecords: options.batchRows,
    batchWaitMs: options.batchWaitMs,
    writesInFlight: INSERTS_IN_FLIGHT,
    retryMaxMs: options.retryMaxMs,
    // A fetch returns as soon as there is something (the consumer decides how long rows wait for a
    // fuller batch); a broker-side wait for a batch's worth of bytes would hold the last rows of a
    // backlog for the whole wait.
    fetchMaxWaitMs: FETCH_WAIT_MS,
    maxBytesPerPartition: options.batchBytes,
    partitionsConcurrently: options.partitionsConcurrently ?? 4,
    onConsumerStopped: options.onConsumerStopped,
  });
}
