import { ExportTraceServiceResponse, RpcStatus } from '../otlp/index.js';

/**
 * OTLP/HTTP response bodies, in the encoding of the request: an ExportTraceServiceResponse on
 * success (with `partial_success` when some spans were rejected), a google.rpc.Status on failure.
 */

export type OtlpEncoding = 'protobuf' | 'json';

export const CONTENT_TYPES: Record<OtlpEncoding, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/** gRPC status codes the collector's failures map to (google.rpc.Code). */
export const RPC_CODE = {
  invalidArgument: 3,
  resourceExhausted: 8,
  unavailable: 14,
  unauthenticated: 16,
  internal: 13,
} as const;

export interface PartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

export function exportResponseBody(encoding: OtlpEncoding, partial?: PartialSuccess): Buffer {
  if (encoding === 'json') {
    const body =
      partial === undefined || partial.rejectedSpans === 0
        ? {}
        : // int64 in the protobuf JSON mapping is a decimal string.
          {
            partialSuccess: {
              rejectedSpans: String(partial.rejectedSpans),
              errorMessage: partial.errorMessage,
            },
          };
    return Buffer.from(JSON.stringify(body));
  }
  const message =
    partial === undefined || partial.rejectedSpans === 0
      ? {}
      : { partialSuccess: { rejectedSpans: partial.rejectedSpans, errorMessage: partial.errorMessage } };
  return Buffer.from(
    ExportTraceServiceResponse.encode(ExportTraceServiceResponse.fromObject(message)).finish(),
  );
}

export function statusBody(encoding: OtlpEncoding, code: number, message: string): Buffer {
  if (encoding === 'json') return Buffer.from(JSON.stringify({ code, message }));
  return Buffer.from(RpcStatus.encode(RpcStatus.fromObject({ code, message })).finish());
}
