import { crc32c } from '@platformatic/kafka';

/**
 * Kafka's RecordBatch (magic 2, uncompressed, idempotent), each partition's records written into one
 * buffer by byte offset: @platformatic/kafka's own encoder allocates a buffer per field of every
 * record.
 */

/** Bytes of a RecordBatch (magic 2) before its first record. */
const BATCH_HEADER_BYTES = 61;
/** From `attributes` on, what the batch's CRC-32C covers. */
const BATCH_CRC_START = 21;

/** One record's parts, already bytes; `headers` is the record's encoded header array. */
export interface EncodedRecord {
  partition: number;
  key: Buffer;
  value: Buffer;
  headers: Buffer;
}

/** The idempotent producer a batch belongs to (InitProducerId's answer). */
export interface ProducerIdentity {
  id: bigint;
  epoch: number;
}

function varintSize(value: number): number {
  let size = 1;
  while (value > 0x7f) {
    value >>>= 7;
    size++;
  }
  return size;
}

/** Kafka's signed varint (zigzag) of a non-negative int32 is the unsigned varint of twice it. */
function writeVarint(buf: Buffer, offset: number, value: number): number {
  while (value > 0x7f) {
    buf[offset++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buf[offset++] = value;
  return offset;
}

/** Every record of a batch carries the batch's timestamp (timestamp delta 0). */
export function encodeRecordBatch(
  records: readonly EncodedRecord[],
  producer: ProducerIdentity,
  baseSequence: number,
  timestampMs: bigint,
): Buffer {
  let size = BATCH_HEADER_BYTES;
  const bodies = new Array<number>(records.length);
  for (let i = 0; i < records.length; i++) {
    const { key, value, headers } = records[i]!;
    // attributes, timestamp delta 0, offset delta, key, value, headers.
    const body =
      2 +
      varintSize(i * 2) +
      varintSize(key.length * 2) +
      key.length +
      varintSize(value.length * 2) +
      value.length +
      headers.length;
    bodies[i] = body;
    size += varintSize(body * 2) + body;
  }
  const buf = Buffer.allocUnsafe(size);
  buf.writeBigInt64BE(0n, 0); // base offset, assigned by the broker
  buf.writeInt32BE(size - 12, 8);
  buf.writeInt32BE(0, 12); // partition leader epoch
  buf.writeInt8(2, 16); // magic
  buf.writeInt16BE(0, 21); // attributes: no compression, no transaction
  buf.writeInt32BE(records.length - 1, 23); // last offset delta
  buf.writeBigInt64BE(timestampMs, 27);
  buf.writeBigInt64BE(timestampMs, 35);
  buf.writeBigInt64BE(producer.id, 43);
  buf.writeInt16BE(producer.epoch, 51);
  buf.writeInt32BE(baseSequence, 53);
  buf.writeInt32BE(records.length, 57);
  let offset = BATCH_HEADER_BYTES;
  for (let i = 0; i < records.length; i++) {
    const { key, value, headers } = records[i]!;
    offset = writeVarint(buf, offset, bodies[i]! * 2);
    buf[offset++] = 0;
    buf[offset++] = 0;
    offset = writeVarint(buf, offset, i * 2);
    offset = writeVarint(buf, offset, key.length * 2);
    offset += key.copy(buf, offset);
    offset = writeVarint(buf, offset, value.length * 2);
    offset += value.copy(buf, offset);
    offset += headers.copy(buf, offset);
  }
  buf.writeUInt32BE(crc32c(buf.subarray(BATCH_CRC_START)), 17);
  return buf;
}

/** A record's header array (names and values as UTF-8), shared by every record with these headers. */
export function encodeHeaders(headers: Readonly<Record<string, string>>): Buffer {
  const entries = Object.entries(headers).map(
    ([name, text]) => [Buffer.from(name, 'utf8'), Buffer.from(text, 'utf8')] as const,
  );
  let size = varintSize(entries.length * 2);
  for (const [name, text] of entries)
    size += varintSize(name.length * 2) + name.length + varintSize(text.length * 2) + text.length;
  const buf = Buffer.allocUnsafe(size);
  let offset = writeVarint(buf, 0, entries.length * 2);
  for (const [name, text] of entries) {
    offset = writeVarint(buf, offset, name.length * 2);
    offset += name.copy(buf, offset);
    offset = writeVarint(buf, offset, text.length * 2);
    offset += text.copy(buf, offset);
  }
  return buf;
}
