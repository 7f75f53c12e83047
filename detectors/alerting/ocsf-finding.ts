import type { Alert, Severity } from '../../model/index.js';
import { shortSummary } from './alertmanager-client.js';

/**
 * An alert as an OCSF Detection Finding (class 2004, category 2 Findings), for SIEMs that read OCSF
 * (Security Lake, Splunk, Sentinel, …). Pure: the caller sends it to a webhook or a Kafka topic.
 * Targets OCSF schema 1.3.0 (so no `is_alert`, which 1.4.0 added); tests check it against the published
 * 1.3.0 class definition in test/fixtures/ocsf/ (scripts/ocsf-schema-fixture.ts).
 */

export const OCSF_SCHEMA_VERSION = '1.3.0';
export const OCSF_PRODUCT = { name: 'mcptap', vendor_name: 'mcptap', version: '0.1.0' } as const;

const DETECTION_FINDING = 2004;
const FINDINGS_CATEGORY = 2;

/** OCSF severity_id: 1 Informational … 5 Critical. */
const SEVERITY_ID: Readonly<Record<Severity, { id: number; name: string }>> = {
  info: { id: 1, name: 'Informational' },
  low: { id: 2, name: 'Low' },
  medium: { id: 3, name: 'Medium' },
  high: { id: 4, name: 'High' },
  critical: { id: 5, name: 'Critical' },
};

/** Firing: the finding is created and new; resolved: it is closed as resolved. */
const LIFECYCLE = {
  firing: { activity_id: 1, activity_name: 'Create', status_id: 1, status: 'New' },
  resolved: { activity_id: 3, activity_name: 'Close', status_id: 4, status: 'Resolved' },
} as const;

/** OCSF observable type_id values used here. */
const OBSERVABLE_TYPE = { hostname: 1, userName: 4 } as const;

export interface OcsfObservable {
  name: string;
  type_id: number;
  type: string;
  value: string;
}

export interface OcsfDetectionFinding {
  activity_id: number;
  activity_name: string;
  category_uid: number;
  category_name: string;
  class_uid: number;
  class_name: string;
  type_uid: number;
  type_name: string;
  severity_id: number;
  severity: string;
  status_id: number;
  status: string;
  /** Epoch milliseconds (OCSF `timestamp_t`). */
  time: number;
  message: string;
  metadata: {
    version: string;
    product: { name: string; vendor_name: string; version: string };
    uid: string;
    tenant_uid: string;
  };
  finding_info: {
    uid: string;
    title: string;
    desc: string;
    types: string[];
    created_time: number;
    analytic: { name: string; uid: string; type_id: number; type: string };
    related_events: { uid: string }[];
  };
  resources: { uid: string; name: string; type: string }[];
  evidences: { data: Record<string, string> }[];
  observables: OcsfObservable[];
  remediation?: { desc: string };
  /** mcptap fields OCSF has no attribute for; the user is the host's claim, not authenticated. */
  unmapped: Record<string, string>;
}

export function toOcsfDetectionFinding(alert: Alert): OcsfDetectionFinding {
  const lifecycle = LIFECYCLE[alert.status];
  const severity = SEVERITY_ID[alert.severity];
  const time = Date.parse(alert.time);
  const observables: OcsfObservable[] = [];
  if (alert.user_id !== '')
    observables.push({
      name: 'user_id',
      type_id: OBSERVABLE_TYPE.userName,
      type: 'User Name',
      value: alert.user_id,
    });
  if (alert.host_id !== '')
    observables.push({
      name: 'host_id',
      type_id: OBSERVABLE_TYPE.hostname,
      type: 'Hostname',
      value: alert.host_id,
    });
  const unmapped: Record<string, string> = { session_id: alert.session_id, tool: alert.tool };
  if (alert.user_id !== '') unmapped.user_id = alert.user_id;
  if (alert.team !== '') unmapped.team = alert.team;
  for (const [key, value] of Object.entries(alert.details)) unmapped[`details.${key}`] = value;
  return {
    activity_id: lifecycle.activity_id,
    activity_name: lifecycle.activity_name,
    category_uid: FINDINGS_CATEGORY,
    category_name: 'Findings',
    class_uid: DETECTION_FINDING,
    class_name: 'Detection Finding',
    type_uid: DETECTION_FINDING * 100 + lifecycle.activity_id,
    type_name: `Detection Finding: ${lifecycle.activity_name}`,
    severity_id: severity.id,
    severity: severity.name,
    status_id: lifecycle.status_id,
    status: lifecycle.status,
    time,
    message: alert.summary,
    metadata: {
      version: OCSF_SCHEMA_VERSION,
      product: { ...OCSF_PRODUCT },
      // One record per alert state: a redelivery has the same uid.
      uid: `${alert.fingerprint}:${alert.status}`,
      tenant_uid: alert.tenant,
    },
    finding_info: {
      uid: alert.fingerprint,
      title: shortSummary(alert),
      desc: alert.summary,
      types: [alert.rule],
      created_time: time,
      analytic: { name: alert.rule, uid: alert.rule, type_id: 1, type: 'Rule' },
      related_events: alert.evidence_event_ids.map((uid) => ({ uid })),
    },
    resources:
      alert.server_name === '' && alert.server_id === ''
        ? []
        : [{ uid: alert.server_id, name: alert.server_name, type: 'MCP server' }],
    evidences: alert.evidence_event_ids.map((event_id) => ({ data: { event_id } })),
    observables,
    ...(alert.runbook === '' ? {} : { remediation: { desc: alert.runbook } }),
    unmapped,
  };
}
