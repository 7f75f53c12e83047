import type { Logger } from '../platform/index.js';
import { maskSecretsInText } from '../secrets/index.js';
import type { CollectorMetrics } from './collector-metrics.js';
import type { ReceiverConfig } from './config.js';
import type { EventPublisher, PublishItem } from './event-publisher.js';
import { ExportRefusal } from './export-errors.js';
import type { Admission } from './in-flight-budget.js';
import {
  decodeOtlpJson,
  decodeOtlpProtobuf,
  forwardOtlpRequest,
  normaliseSpans,
  type ForwardedRequest,
  type DecodedSpan,
  type NormaliseOptions,
} from '../otlp/index.js';
import type { OtlpEncoding, PartialSuccess } from './otlp-response.js';
import { SpanRateLimiter } from './rate-limiter.js';
import { errorMessage } from '../model/index.js';

/**
 * What happens to an export request's body once the receiver has read it: decode, the tenant's
 * rate limit, normalisation (validation, caps, masking), publishing, and the wait for the
 * publisher's acknowledgement. It knows nothing of HTTP: it resolves with what was accepted or
 * throws an ExportRefusal (export-errors.ts maps both to the answer).
 */

/** Spans normalised at a time. */
const SLICE_SPANS = 64;
/** Rejection reasons quoted in a partial success, as normalise-spans.ts keeps per call. */
const MAX_REASONS = 3;

export interface ExportSender {
  tenant: string;
  keyId: string;
}

export interface ExportPipeline {
  /** Resolves once every accepted record is acknowledged; `partial` reports the spans rejected. */
  export(
    body: Buffer,
    encoding: OtlpEncoding,
    sender: ExportSender,
    admission: Admission,
  ): Promise<{ partial: PartialSuccess | undefined }>;
  /** True when the tenant's bucket is empty: the request can be refused before its body is read. */
  rateLimited(keyId: string): boolean;
}

/** A request whose records are queued for the publisher. */
interface Queued {
  published: Promise<void>;
  spans: number;
  records: number;
  recordsByKind: Map<string, number>;
  partial: PartialSuccess | undefined;
}

export interface ExportPipelineDeps {
  publisher: EventPublisher;
  metrics: CollectorMetrics;
  logger: Logger;
}

export function createExportPipeline(config: ReceiverConfig, deps: ExportPipelineDeps): ExportPipeline {
  const { publisher, metrics, logger } = deps;
  const limiter = new SpanRateLimiter(config.rateLimit);
  const normaliseOptions: NormaliseOptions = {
    caps: config.caps,
    maxRecordBytes: config.maxRecordBytes,
    forwardRawSpans: config.forwardRawSpans,
    mask: config.maskSecrets ? maskSecretsInText : null,
  };

  function decode(body: Buffer, encoding: OtlpEncoding, tenant: string): DecodedSpan[] {
    try {
      return encoding === 'protobuf' ? decodeOtlpProtobuf(body) : decodeOtlpJson(body);
    } catch (error) {
      logger.debug('refused a malformed export request', {
        tenant,
        reason: errorMessage(error),
      });
      throw error;
    }
  }

  async function awaitAcknowledged(published: Promise<void>, spans: number, records: number, tenant: string) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no acknowledgement within ${config.publishTimeoutMs} ms`)),
        config.publishTimeoutMs,
      );
    });
    try {
      await Promise.race([published, timeout]);
    } catch (error) {
      metrics.spansRejected.inc({ reason: 'kafka_unavailable' }, spans);
      logger.warn(`export request answered 503: ${publisher.destination} did not acknowledge`, {
        tenant,
        records,
        error: errorMessage(error),
      });
      throw new ExportRefusal(
        'retriable',
        `${publisher.destination} did not acknowledge the records; retry later`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** Counts the request's spans against the sender's rate limit; refuses it (429) when over. */
  function takeRate(sender: ExportSender, spans: number): void {
    metrics.spansReceived.inc({}, spans);
    const taken = limiter.take(sender.keyId, spans);
    if (!taken.ok) {
      metrics.spansRejected.inc({ reason: 'rate_limited' }, spans);
      throw new ExportRefusal(
        'rate_limited',
        `rate limit of this API key reached (${config.rateLimit.spansPerSecond} spans/s); retry later`,
        taken.retryAfterSeconds,
      );
    }
  }

  /** What a request is made into before it is published. */
  interface Prepared {
    items: PublishItem[];
    total: number;
    rejected: number;
    reasons: string[];
    notOurs: number;
  }

  /** Decoded and normalised into events (and raw spans), a slice at a time. */
  function prepareEvents(body: Buffer, encoding: OtlpEncoding, sender: ExportSender): Prepared {
    const spans = decode(body, encoding, sender.tenant);
    takeRate(sender, spans.length);
    // Normalised a slice at a time, each slice's decoded spans dropped as it goes, so that they die
    // young instead of all being alive (and promoted to the old generation, which is what grew the
    // heap under overload) until the request's last span is done.
    const prepared: Prepared = { items: [], total: spans.length, rejected: 0, reasons: [], notOurs: 0 };
    while (spans.length > 0) {
      const normalised = normaliseSpans(spans.splice(0, SLICE_SPANS), sender.tenant, normaliseOptions);
      for (const [reason, count] of Object.entries(normalised.rejectedByReason))
        metrics.spansRejected.inc({ reason }, count);
      prepared.rejected += normalised.rejected;
      prepared.notOurs += normalised.notOurs;
      for (const reason of normalised.reasons)
        if (prepared.reasons.length < MAX_REASONS) prepared.reasons.push(reason);
      for (const item of normalised.items) prepared.items.push(item);
    }
    return prepared;
  }

  /** The fast path: OTLP records of the request's mcptap spans, one or more per key. */
  function prepareForwarded(body: Buffer, sender: ExportSender): Prepared {
    let forwarded: ForwardedRequest;
    try {
      forwarded = forwardOtlpRequest(body, {
        tenant: sender.tenant,
        maxRecordBytes: config.maxRecordBytes,
        mask: normaliseOptions.mask,
      });
    } catch (error) {
      logger.debug('refused a malformed export request', {
        tenant: sender.tenant,
        reason: errorMessage(error),
      });
      throw error;
    }
    takeRate(sender, forwarded.spans);
    for (const [reason, count] of Object.entries(forwarded.rejectedByReason))
      metrics.spansRejected.inc({ reason }, count);
    const { tenant } = sender;
    return {
      items: forwarded.records.map(({ key, value }) => ({
        type: 'otlp',
        tenant,
        key,
        value,
        bytes: value.length,
      })),
      total: forwarded.spans,
      rejected: forwarded.rejected,
      reasons: forwarded.reasons,
      notOurs: forwarded.notOurs,
    };
  }

  /**
   * Decodes, normalises and queues a body's records. Synchronous, so that nothing decoded outlives
   * it: what waits for the acknowledgement is the publisher's queued bytes and this small result.
   */
  function queue(body: Buffer, encoding: OtlpEncoding, sender: ExportSender, admission: Admission): Queued {
    const { items, total, rejected, reasons, notOurs } =
      config.forwardOtlp && encoding === 'protobuf'
        ? prepareForwarded(body, sender)
        : prepareEvents(body, encoding, sender);
    const recordsByKind = new Map<string, number>();
    let recordBytes = 0;
    for (const item of items) {
      recordBytes += item.bytes;
      const kind = item.type === 'event' ? item.event.kind : item.type;
      recordsByKind.set(kind, (recordsByKind.get(kind) ?? 0) + 1);
    }
    if (notOurs > 0)
      metrics.spansNotOurs.inc({ action: config.forwardRawSpans ? 'forwarded' : 'dropped' }, notOurs);
    const partial =
      rejected === 0
        ? undefined
        : {
            rejectedSpans: rejected,
            errorMessage: `${rejected} of ${total} spans rejected: ${reasons.join('; ')}`,
          };
    // OTLP: a request none of whose data can be accepted, for a reason that would recur, is a 400;
    // partial success is for requests of which some data was accepted.
    if (partial !== undefined && rejected === total) throw new ExportRefusal('invalid', partial.errorMessage);
    if (!admission.reserve(recordBytes))
      throw new ExportRefusal('retriable', 'the collector is at its in-flight memory limit; retry later');
    // Published in one call: the publisher takes a request whole or not at all, so a refused
    // request reaches nobody.
    const published = publisher.publish(items);
    admission.holdUntil(published);
    return { published, spans: total, records: items.length, recordsByKind, partial };
  }

  return {
    rateLimited: (keyId) => limiter.exhausted(keyId),

    async export(body, encoding, sender, admission) {
      const queued = queue(body, encoding, sender, admission);
      await awaitAcknowledged(queued.published, queued.spans, queued.records, sender.tenant);
      for (const [kind, count] of queued.recordsByKind) metrics.recordsProduced.inc({ kind }, count);
      return { partial: queued.partial };
    },
  };
}
