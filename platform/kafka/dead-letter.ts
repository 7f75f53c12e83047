import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { maskSerialised, type SecretMasker } from '../../secrets/index.js';

/**
 * The one shape of a dead letter, whichever component wrote it (the sink, the detectors): the
 * original record's key and payload, and in headers where it came from, why it was refused, who
 * refused it and when. Payload and reason are masked as the component masks what it stores (an
 * operator who opted in to raw secrets gets them raw here too), so the dead-letter topic holds no
 * secret the rest of the pipeline would not.
 */

export const DEAD_LETTER_HEADERS = {
  reason: 'mcptap-dead-letter-reason',
  topic: 'mcptap-source-topic',
  partition: 'mcptap-source-partition',
  offset: 'mcptap-source-offset',
  component: 'mcptap-component',
  /** ISO 8601 time the record was dead-lettered. */
  time: 'mcptap-dead-lettered-at',
} as const;

/** Longest reason kept in a header: ClickHouse's errors quote whole rows. */
const MAX_REASON_CHARS = 1000;

/** A record as the batch consumer fetched it. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
}

export interface DeadLetter {
  source: { topic: string; partition: number; offset: string };
  key: Buffer | null;
  /** The original payload, masked unless the component stores secrets raw. */
  value: Buffer | null;
  reason: string;
  component: string;
  time: string;
}

/** A refused record's value and reason as they go to the dead-letter topic: masked unless `mask` is null. */
export function deadLetterPayload(
  value: Buffer | null,
  reason: string,
  mask: SecretMasker | null,
): { value: Buffer | null; reason: string } {
  if (mask === null) return { value, reason };
  const text = value?.toString('utf8');
  const masked = text === undefined ? undefined : maskSerialised(text, mask);
  return {
    value: masked === undefined || masked === text ? value : Buffer.from(masked, 'utf8'),
    reason: mask(reason, { truncated: false }),
  };
}

export function deadLetterMessage(
  record: ConsumedRecord,
  reason: string,
  component: string,
  mask: SecretMasker | null,
  now: Date = new Date(),
): Message {
  const payload = deadLetterPayload(record.value, reason, mask);
  return {
    key: record.key,
    value: payload.value,
    headers: {
      [DEAD_LETTER_HEADERS.reason]: payload.reason.slice(0, MAX_REASON_CHARS),
      [DEAD_LETTER_HEADERS.topic]: record.topic,
      [DEAD_LETTER_HEADERS.partition]: String(record.partition),
      [DEAD_LETTER_HEADERS.offset]: record.offset,
      [DEAD_LETTER_HEADERS.component]: component,
      [DEAD_LETTER_HEADERS.time]: now.toISOString(),
    },
  };
}

function header(headers: IHeaders | undefined, name: string): string {
  const value = headers?.[name];
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) throw new Error(`dead letter without its ${name} header: not written by mcptap`);
  return text.toString();
}

/** Reads a message of the dead-letter topic back; throws when it lacks a header of the format. */
export function readDeadLetter(message: Pick<KafkaMessage, 'key' | 'value' | 'headers'>): DeadLetter {
  const { headers } = message;
  return {
    source: {
      topic: header(headers, DEAD_LETTER_HEADERS.topic),
      partition: Number(header(headers, DEAD_LETTER_HEADERS.partition)),
      offset: header(headers, DEAD_LETTER_HEADERS.offset),
    },
    key: message.key ?? null,
    value: message.value ?? null,
    reason: header(headers, DEAD_LETTER_HEADERS.reason),
    component: header(headers, DEAD_LETTER_HEADERS.component),
    time: header(headers, DEAD_LETTER_HEADERS.time),
  };
}
