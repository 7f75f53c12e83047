import { OtlpDecodeError } from '../otlp/index.js';
import { RPC_CODE } from './otlp-response.js';

/**
 * The one place where a failed export request becomes an HTTP status, as the OpenTelemetry
 * Collector's OTLP receiver does (receiver/otlpreceiver/internal/errors): what the sender may retry
 * unchanged (the sink did not acknowledge, the collector is overloaded or stopping) is 503 with
 * Retry-After, a tenant over its rate limit 429 with Retry-After, and what would fail again (a body
 * that does not decode, spans that are all invalid) 400. OTLP/HTTP senders retry exactly 429, 502,
 * 503 and 504, so a refusal the sender should retry must never be anything else.
 */

export type RefusalKind =
  | 'retriable'
  | 'rate_limited'
  | 'invalid'
  | 'too_large'
  | 'unsupported'
  | 'unauthenticated'
  | 'method_not_allowed';

const ANSWERS: Record<RefusalKind, { status: number; code: number }> = {
  retriable: { status: 503, code: RPC_CODE.unavailable },
  rate_limited: { status: 429, code: RPC_CODE.resourceExhausted },
  invalid: { status: 400, code: RPC_CODE.invalidArgument },
  too_large: { status: 413, code: RPC_CODE.invalidArgument },
  unsupported: { status: 415, code: RPC_CODE.invalidArgument },
  unauthenticated: { status: 401, code: RPC_CODE.unauthenticated },
  method_not_allowed: { status: 405, code: RPC_CODE.invalidArgument },
};

/** An export request refused, with the operator-facing reason sent back to the sender. */
export class ExportRefusal extends Error {
  readonly retriable: boolean;
  constructor(
    readonly kind: RefusalKind,
    message: string,
    /** For 429: when the tenant's bucket covers the request again. 503 uses the configured value. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ExportRefusal';
    this.retriable = kind === 'retriable' || kind === 'rate_limited';
  }
}

export interface RefusalAnswer {
  status: number;
  code: number;
  message: string;
  retryAfterSeconds: number | undefined;
}

/**
 * The answer to a failed request. Errors that say whether they are `retriable` (KafkaJS's
 * convention, followed by PublishError and OtlpDecodeError) are 503 or 400; an error that says
 * nothing is a bug and is left to the caller (500).
 */
export function refusalAnswer(error: unknown, retryAfterSeconds: number): RefusalAnswer | undefined {
  let refusal: ExportRefusal;
  if (error instanceof ExportRefusal) refusal = error;
  else if (error instanceof OtlpDecodeError) refusal = new ExportRefusal('invalid', error.message);
  else if (error instanceof Error && 'retriable' in error && typeof error.retriable === 'boolean')
    refusal = new ExportRefusal(error.retriable ? 'retriable' : 'invalid', error.message);
  else return undefined;
  const { status, code } = ANSWERS[refusal.kind];
  return {
    status,
    code,
    message: refusal.message,
    retryAfterSeconds:
      refusal.kind === 'retriable'
        ? retryAfterSeconds
        : refusal.kind === 'rate_limited'
          ? (refusal.retryAfterSeconds ?? 1)
          : undefined,
  };
}
