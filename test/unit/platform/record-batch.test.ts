// Our RecordBatch encoder (platform/kafka/record-batch.ts) checked against an implementation we did
// not write: KafkaJS's own RecordBatch decoder, CRC-32C and encoder, from node_modules.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import {
  encodeHeaders,
  encodeRecordBatch,
  type EncodedRecord,
  type ProducerIdentity,
} from '../../../platform/kafka/record-batch.js';

const require = createRequire(import.meta.url);

interface KafkajsDecoder {
  readInt64(): { toString(): string };
}
interface KafkajsRecord {
  magicByte: number;
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
}
interface KafkajsBatch {
  firstOffset: string;
  partitionLeaderEpoch: number;
  inTransaction: boolean;
  isControlBatch: boolean;
  lastOffsetDelta: number;
  firstTimestamp: string;
  maxTimestamp: string;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  records: KafkajsRecord[];
}
interface KafkajsLong {
  value: bigint;
}
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => KafkajsDecoder;
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (
  decoder: KafkajsDecoder,
) => Promise<KafkajsBatch>;
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C') as (buffer: Buffer) => number;
const { RecordBatch: encodeKafkajsBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (batch: Record<string, unknown>) => Promise<{ buffer: Buffer }>;
};
const KafkajsRecordEncoder = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: {
  offsetDelta: number;
  key: Buffer;
  value: Buffer;
  headers: Record<string, string>;
}) => unknown;
const Long = require('kafkajs/src/utils/long') as { fromValue(value: string): KafkajsLong };

interface PlainRecord {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

interface BatchCase {
  name: string;
  records: PlainRecord[];
  producer: ProducerIdentity;
  baseSequence: number;
  timestampMs: bigint;
}

/** Sizes either side of the varint boundaries (a zigzag varint doubles the length: 63|64, 8191|8192). */
const VALUE_SIZES = [0, 1, 63, 64, 127, 128, 8191, 8192, 100_000];

function valueOf(size: number, seed: number): Buffer {
  const value = Buffer.alloc(size);
  for (let i = 0; i < size; i++) value[i] = (i * 31 + seed) & 0xff;
  return value;
}

const CASES: BatchCase[] = [
  {
    name: 'one record without headers',
    records: [{ key: 'session-1', value: Buffer.from('{"kind":"tool_call"}'), headers: {} }],
    producer: { id: 0n, epoch: 0 },
    baseSequence: 0,
    timestampMs: 1_700_000_000_000n,
  },
  {
    name: 'records of every value size around the varint boundaries, keys empty to long, unicode',
    records: VALUE_SIZES.map((size, i): PlainRecord => ({
      key: ['', 'k', 'tenant/séssion-✓', 'x'.repeat(200)][i % 4]!,
      value: valueOf(size, i),
      headers: i % 2 === 0 ? {} : { 'mcptap-kind': 'egress', 'mcptap-tenant': `tenant-${i}` },
    })),
    producer: { id: 4_611_686_018_427_387_903n, epoch: 32_767 },
    baseSequence: 2 ** 31 - 1 - VALUE_SIZES.length,
    timestampMs: 0n,
  },
  {
    name: 'two hundred records with three headers each',
    records: Array.from({ length: 200 }, (_, i) => ({
      key: `tenant-${i % 3}/session-${i}`,
      value: Buffer.from(JSON.stringify({ seq: i, text: 'y'.repeat(i) })),
      headers: { 'mcptap-kind': 'tool_call', 'mcptap-tenant': 'acme', 'mcptap-schema-version': '1' },
    })),
    producer: { id: 1234n, epoch: 7 },
    baseSequence: 4096,
    timestampMs: 2n ** 42n,
  },
];

function encodedRecords(records: readonly PlainRecord[]): EncodedRecord[] {
  return records.map(({ key, value, headers }) => ({
    partition: 0,
    key: Buffer.from(key, 'utf8'),
    value,
    headers: encodeHeaders(headers),
  }));
}

describe('record batches decoded by KafkaJS', () => {
  for (const batchCase of CASES) {
    it(`round-trips every field: ${batchCase.name}`, async () => {
      const { records, producer, baseSequence, timestampMs } = batchCase;
      const bytes = encodeRecordBatch(encodedRecords(records), producer, baseSequence, timestampMs);

      assert.equal(bytes.readInt32BE(8), bytes.length - 12, 'batch length');
      assert.equal(bytes.readInt8(16), 2, 'magic');
      assert.equal(bytes.readUInt32BE(17), kafkajsCrc32c(bytes.subarray(21)), 'CRC-32C from attributes on');

      const batch = await decodeRecordBatch(new Decoder(bytes));
      assert.equal(batch.firstOffset, '0');
      assert.equal(batch.partitionLeaderEpoch, 0);
      assert.equal(batch.inTransaction, false);
      assert.equal(batch.isControlBatch, false);
      assert.equal(batch.lastOffsetDelta, records.length - 1);
      assert.equal(batch.firstTimestamp, String(timestampMs));
      assert.equal(batch.maxTimestamp, String(timestampMs));
      assert.equal(batch.producerId, String(producer.id));
      assert.equal(batch.producerEpoch, producer.epoch);
      assert.equal(batch.firstSequence, baseSequence);
      assert.equal(batch.records.length, records.length);
      batch.records.forEach((decoded, i) => {
        const record = records[i]!;
        assert.equal(decoded.attributes, 0);
        assert.equal(decoded.offset, String(i));
        assert.equal(decoded.timestamp, String(timestampMs));
        assert.equal(decoded.key?.toString('utf8'), record.key);
        assert.ok(decoded.value?.equals(record.value), `value of record ${i}`);
        assert.deepEqual(
          Object.fromEntries(
            Object.entries(decoded.headers).map(([name, value]) => [name, value.toString()]),
          ),
          record.headers,
        );
      });
    });

    it(`writes the same bytes as KafkaJS's encoder: ${batchCase.name}`, async () => {
      const { records, producer, baseSequence, timestampMs } = batchCase;
      const ours = encodeRecordBatch(encodedRecords(records), producer, baseSequence, timestampMs);
      const theirs = await encodeKafkajsBatch({
        firstTimestamp: Long.fromValue(String(timestampMs)),
        maxTimestamp: Long.fromValue(String(timestampMs)),
        lastOffsetDelta: records.length - 1,
        producerId: Long.fromValue(String(producer.id)),
        producerEpoch: producer.epoch,
        firstSequence: baseSequence,
        records: records.map(({ key, value, headers }, offsetDelta) =>
          KafkajsRecordEncoder({ offsetDelta, key: Buffer.from(key, 'utf8'), value, headers }),
        ),
      });
      assert.ok(ours.equals(theirs.buffer), 'byte for byte');
    });
  }

  it('a batch whose bytes were changed after encoding no longer matches its CRC-32C', () => {
    const bytes = encodeRecordBatch(encodedRecords(CASES[0]!.records), { id: 1n, epoch: 0 }, 0, 1n);
    bytes[bytes.length - 2]! ^= 0x01;
    assert.notEqual(bytes.readUInt32BE(17), kafkajsCrc32c(bytes.subarray(21)));
  });
});
