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
export { DetectorEngine, alertFingerprint } from './engine/detector-engine.js';
export { MemoryStateStore, type StoredState } from './engine/state-store.js';
export { ALL_DETECTORS } from './rules/all-detectors.js';
export { createDetectorEngine } from './engine/create-engine.js';
export { replayTranscript } from './replay/replay-transcript.js';
export { DetectorsRuntime } from './runtime/detectors-runtime.js';
export { createDetectorsMetrics } from './runtime/detectors-metrics.js';
export { AlertNotifier } from './alerting/alert-notifier.js';
export { ALERT_LINK_ENV, alertLinksFromEnv, type AlertLinks } from './alerting/alert-links.js';
export { toPostableAlert } from './alerting/alertmanager-client.js';
export { AlertWebhook } from './alerting/alert-webhook.js';
export { AlertPoster, type AlertTarget } from './alerting/alert-poster.js';
export {
  toOcsfDetectionFinding,
  OCSF_SCHEMA_VERSION,
  type OcsfDetectionFinding,
} from './alerting/ocsf-finding.js';
export { classifySsrf, canonicalHost } from './rules/ssrf-classify.js';
export { DETECTORS_ENV } from './runtime/detectors-service.js';
export { RULES_ENV, SERVER_POLICY_ENV, rulesFromEnv } from './config/rules-source.js';
export { watchRules } from './config/rules-watch.js';
export {
  catalogItemHash,
  acceptedKey,
  acceptedKeys,
  loadAcceptedFindings,
  INSTRUCTIONS_ITEM,
  type AcceptedFinding,
  type AcceptedKeys,
} from './config/accepted-findings.js';
export {
  parseServerPolicy,
  loadServerPolicy,
  approvalOf,
  pinServer,
  ServerPolicyError,
  TRUST_LEVELS,
  type ApprovalState,
  type ServerPolicy,
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
