export {
  AssistantOutputEventSchema,
  CatalogEventSchema,
  CatalogKindSchema,
  ContentReadEventSchema,
  EgressEventSchema,
  EVENT_KINDS,
  EVENT_SCHEMA_VERSION,
  eventTimeMs,
  EventValidationError,
  isoTime,
  IsoTimeSchema,
  McpEventSchema,
  NO_USER,
  parseEvent,
  PromptEventSchema,
  ToolCallEventSchema,
  TurnEventSchema,
  UserSourceSchema,
  type AssistantOutputEvent,
  type CatalogDiff,
  type CatalogEvent,
  type CatalogKind,
  type CatalogTrigger,
  type ContentReadEvent,
  type EgressChannel,
  type EgressEvent,
  type McpEvent,
  type McpEventKind,
  type PromptEvent,
  type ToolCallEvent,
  type TurnEvent,
  type UserIdentity,
  type UserSource,
} from './events.js';
export {
  AlertSchema,
  isAtLeast,
  parseAlert,
  SEVERITIES,
  SeveritySchema,
  type Alert,
  type Severity,
} from './alert.js';
export {
  capContent,
  CappedContentSchema,
  EMPTY_CONTENT,
  sha256Hex,
  type CappedContent,
} from './capped-content.js';
export { canonicalHash, canonicalJson } from './canonical-json.js';
export { errorMessage } from './error-message.js';
export { isRecord } from './json-record.js';
export { serverId } from './server-identity.js';
export {
  ATTR,
  decodeSpanAsEvent,
  encodeEventAsSpan,
  isMcptapSpan,
  type SpanAttributes,
  type SpanAttributeValue,
} from './span-codec.js';
export { keyForEvent, RECORD_HEADERS, topicForEvent, topicNames, type TopicNames } from './topics.js';
