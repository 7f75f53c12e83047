export {
  parseTranscriptLine,
  isWireLine,
  TranscriptLineError,
  TranscriptLineSchema,
  WireLineSchema,
  HostLineSchema,
  type TranscriptLine,
  type WireLine,
  type HostLine,
  type WireDirection,
} from './transcript-line.js';
export {
  SessionExtractor,
  DEFAULT_CAPS,
  DEFAULT_IDLE_TURN_GAP_MS,
  NO_RESPONSE_ERROR,
  CANCELLED_ERROR,
  type ContentCaps,
  type SessionExtractorOptions,
} from './session-extractor.js';
export { findArgumentDestinations } from './argument-destinations.js';
export { diffCatalogs } from './catalog-diff.js';
export { destinationFromBareHost, normalizeIpv4 } from './destination.js';
export { findMarkdownDestinations } from './markdown-destinations.js';
export {
  advanceSessionTurn,
  lastActivityOf,
  type SessionActivity,
  type SessionTurnState,
  type SharedTurn,
  type SharedTurns,
} from './shared-turns.js';
