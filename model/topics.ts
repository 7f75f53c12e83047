import type { McpEvent } from './events.js';

/**
 * Kafka topics (versioned names) and record keys. Keys give the ordering the detectors need:
 * one ordered stream per session, per server catalog, per alert fingerprint.
 */
export interface TopicNames {
  /** Session-scoped events (tool calls, content reads, egress, turns, assistant output), keyed by session. */
  events: string;
  /** Catalog snapshots, keyed by tenant (all of a tenant's servers in one ordered stream). */
  catalog: string;
  /** Full prompt logs (large, storage only), keyed by session. */
  prompts: string;
  /** Alerts, keyed by fingerprint. */
  alerts: string;
  /** The same alerts as OCSF Detection Findings (JSON), keyed by fingerprint, for SIEMs. */
  alertsOcsf: string;
  /** Spans that are not mcptap's, when the collector is configured to pass them on. */
  rawSpans: string;
  /** Messages a consumer could not parse, with the reason. */
  deadLetter: string;
  /** Compacted detector state changelog. */
  detectorState: string;
  /** Signed checkpoints of the stored rows' audit segments, keyed by tenant; never compacted (audit/). */
  audit: string;
}

export function topicNames(prefix = 'mcptap'): TopicNames {
  return {
    events: `${prefix}.events.v1`,
    catalog: `${prefix}.catalog.v1`,
    prompts: `${prefix}.prompts.v1`,
    alerts: `${prefix}.alerts.v1`,
    alertsOcsf: `${prefix}.alerts.ocsf.v1`,
    rawSpans: `${prefix}.raw-spans.v1`,
    deadLetter: `${prefix}.dead-letter.v1`,
    detectorState: `${prefix}.detector-state.v1`,
    audit: `${prefix}.audit.v1`,
  };
}

export function topicForEvent(topics: TopicNames, event: McpEvent): string {
  switch (event.kind) {
    case 'catalog':
      return topics.catalog;
    case 'prompt':
      return topics.prompts;
    default:
      return topics.events;
  }
}

/**
 * Record key: tenant-qualified so two tenants' equal session ids never share a stream. Catalogs are
 * keyed by tenant alone: shadowing and fleet divergence compare every server of a tenant, so one
 * detector instance must own all of a tenant's catalogs (catalog traffic is small).
 */
export function keyForEvent(event: McpEvent): string {
  return event.kind === 'catalog' ? event.tenant : `${event.tenant}/${event.session_id}`;
}

/** Kafka record headers on every event record (values are strings), for routing without parsing. */
export const RECORD_HEADERS = {
  /** The event kind (`tool_call`, …), or `raw_span` on the raw-spans topic. */
  kind: 'mcptap-kind',
  /** The authenticated tenant. */
  tenant: 'mcptap-tenant',
  /** EVENT_SCHEMA_VERSION of the value. */
  schemaVersion: 'mcptap-schema-version',
} as const;
