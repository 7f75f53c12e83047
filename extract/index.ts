export {
  parseTranscriptLine,
  formatTranscriptLine,
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
  DEFAULT_IDLE_TURN_GAP_MS,
  type SessionExtractorOptions,
} from './session-extractor.js';
export { DEFAULT_CAPS, type ContentCaps } from './event-builders.js';
export { NO_RESPONSE_ERROR, CANCELLED_ERROR } from './pending-requests.js';
export { findArgumentDestinations } from './argument-destinations.js';
export { diffCatalogs } from './catalog-diff.js';
export {
  advanceSessionTurn,
  lastActivityOf,
  type SessionActivity,
  type SessionTurnState,
  type SharedTurn,
  type SharedTurns,
} from './shared-turns.js';
