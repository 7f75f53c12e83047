export { OtlpDecodeError, type DecodedSpan } from './decoded-span.js';
export { decodeOtlpProtobuf } from './otlp-protobuf-decode.js';
export { decodeOtlpJson } from './otlp-json-decode.js';
export {
  DEFAULT_CONTENT_CAPS,
  DEFAULT_MAX_RECORD_BYTES,
  normaliseSpans,
  type ContentCaps,
  type NormaliseOptions,
  type NormalisedSpans,
  type RejectReason,
  type SpanRecord,
} from './normalise-spans.js';
export { ExportTraceServiceRequest, ExportTraceServiceResponse, RpcStatus } from './otlp-schema.js';
export {
  decodeOtlpRecord,
  rejectedSpansReport,
  eventsFromOtlpRecord,
  type OtlpRecordEvents,
  type OtlpRecordOptions,
} from './otlp-record.js';
export {
  forwardOtlpRequest,
  type ForwardedRequest,
  type ForwardOptions,
  type ForwardRecord,
} from './otlp-forward.js';
