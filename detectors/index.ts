export {
  defaultRules,
  loadRules,
  parseRules,
  rulesWith,
  RulesError,
  DEFAULT_RULES_PATH,
  type DetectorRules,
  type LintRule,
} from './config/detector-rules.js';
export { lintCatalog, lintTool, toolsOf, type LintFinding } from './lint/catalog-lint.js';
export {
  DetectorEngine,
  alertFingerprint,
  type DetectorEngineConfig,
  type ActiveAlert,
} from './engine/detector-engine.js';
export { MemoryStateStore, type StateStore, type StoredState } from './engine/state-store.js';
export type { Detector, Finding, DetectorContext, StateSpec } from './engine/detector.js';
export { ALL_DETECTORS } from './rules/all-detectors.js';
export { createDetectorEngine } from './engine/create-engine.js';
export { replayTranscript, type ReplayOptions, type ReplayResult } from './replay/replay-transcript.js';
export { DetectorsRuntime, type DetectorsRuntimeOptions } from './runtime/detectors-runtime.js';
export { createDetectorsMetrics, type DetectorsMetrics } from './runtime/detectors-metrics.js';
export { AlertNotifier, type AlertNotifierOptions } from './alerting/alert-notifier.js';
export {
  ALERT_LINK_ENV,
  alertLinksFromEnv,
  consoleSessionUrl,
  runbookUrl,
  type AlertLinks,
} from './alerting/alert-links.js';
export { toPostableAlert, postAlerts, type PostableAlert } from './alerting/alertmanager-client.js';
export { AlertWebhook, type AlertWebhookFormat } from './alerting/alert-webhook.js';
export { AlertPoster, type AlertPosterOptions, type AlertTarget } from './alerting/alert-poster.js';
export {
  toOcsfDetectionFinding,
  OCSF_SCHEMA_VERSION,
  type OcsfDetectionFinding,
} from './alerting/ocsf-finding.js';
export { findTextShapes } from './lint/text-shapes.js';
export { classifySsrf, canonicalHost } from './rules/ssrf-classify.js';
export { DETECTORS_ENV } from './runtime/detectors-service.js';
export { RULES_ENV, SERVER_POLICY_ENV, rulesFromEnv } from './config/rules-source.js';
export { watchRules, type RulesWatch, type RulesWatchOptions } from './config/rules-watch.js';
export {
  catalogItemHash,
  acceptedKey,
  acceptedKeys,
  loadAcceptedFindings,
  parseAcceptedFindings,
  AcceptedFindingsError,
  INSTRUCTIONS_ITEM,
  type AcceptedFinding,
  type AcceptedKeys,
} from './config/accepted-findings.js';
export {
  parseServerPolicy,
  loadServerPolicy,
  policyEntryFor,
  versionAllowed,
  approvalOf,
  pinServer,
  ServerPolicyError,
  TRUST_LEVELS,
  type ApprovalState,
  type ServerPolicy,
  type TrustLevel,
} from './config/server-policy.js';
export { LINT_RULES } from './config/detector-rules.js';
export { parseCommandArgs } from './command-args.js';
export {
  failsAt,
  formatReport,
  isReportFormat,
  REPORT_FORMATS,
  UNAVAILABLE,
  type Report,
  type ReportFinding,
  type ReportSuite,
} from './report-formats.js';
export { detectorsMain, lintCatalogMain, replayMain } from './cli.js';
