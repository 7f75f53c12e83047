import { parseArgs } from 'node:util';
import {
  createKafka,
  createLogger,
  envInt,
  envListen,
  envString,
  KAFKA_ENV,
  kafkaSettingsFromEnv,
  serveMetrics,
  serviceLifetime,
  type EnvVarSpec,
} from '../../platform/index.js';
import { ALERT_LINK_ENV, alertLinksFromEnv } from '../alerting/alert-links.js';
import { AlertNotifier } from '../alerting/alert-notifier.js';
import { AlertWebhook } from '../alerting/alert-webhook.js';
import {
  RULES_ENV,
  rulesFromEnv,
  rulesPath as resolveRulesPath,
  SERVER_POLICY_ENV,
} from '../config/rules-source.js';
import { watchRules } from '../config/rules-watch.js';
import { createDetectorsMetrics } from './detectors-metrics.js';
import { DetectorsRuntime } from './detectors-runtime.js';

/** The detectors' own variables, read by name; DETECTORS_ENV orders them among the shared ones. */
const DETECTORS_OWN_ENV = {
  alertmanagerUrl: {
    name: 'MCPTAP_ALERTMANAGER_URL',
    default: 'http://127.0.0.1:19094',
    description: 'Alertmanager base URL for POST /api/v2/alerts; `off` to only produce to the alerts topic',
  },
  group: {
    name: 'MCPTAP_DETECTORS_GROUP',
    default: 'mcptap-detectors',
    description: 'Kafka consumer group of the detectors',
  },
  alertResendMs: {
    name: 'MCPTAP_ALERT_RESEND_MS',
    default: '60000',
    description: 'active alerts are re-posted to Alertmanager this often (each post ends 3 intervals later)',
  },
  tickMs: {
    name: 'MCPTAP_DETECTOR_TICK_MS',
    default: '5000',
    description: 'how often alerts are checked for resolution and re-posting',
  },
  metricsListen: {
    name: 'MCPTAP_DETECTORS_METRICS_LISTEN',
    default: '127.0.0.1:9466',
    description:
      "host:port of the detectors' /metrics, /healthz and /readyz (503 while writes to Kafka fail); `off` for none; if the address is taken, the detectors run without them and log an error",
  },
  ocsfWebhookUrl: {
    name: 'MCPTAP_OCSF_WEBHOOK_URL',
    default: '',
    description:
      'URL to POST new and resolved alerts to as a JSON array of OCSF 1.3.0 Detection Findings (class 2004), for a SIEM; they are also produced to the <prefix>.alerts.ocsf.v1 topic',
  },
} satisfies Record<string, EnvVarSpec>;

/** For `--help` and the docs. */
export const DETECTORS_ENV: readonly EnvVarSpec[] = [
  RULES_ENV,
  DETECTORS_OWN_ENV.alertmanagerUrl,
  DETECTORS_OWN_ENV.group,
  DETECTORS_OWN_ENV.alertResendMs,
  DETECTORS_OWN_ENV.tickMs,
  DETECTORS_OWN_ENV.metricsListen,
  ALERT_LINK_ENV.consoleUrl,
  ALERT_LINK_ENV.runbookUrl,
  DETECTORS_OWN_ENV.ocsfWebhookUrl,
  SERVER_POLICY_ENV,
];

const USAGE = `Usage: mcptap detectors [--rules FILE]

Consumes the events and catalog topics (and MCPTAP_OTLP_TOPIC's OTLP records when set), runs every detector, produces alerts to the alerts topic and
posts them to Alertmanager. Reloads the rule file on SIGHUP and when it changes.

Environment:
${[...DETECTORS_ENV, ...KAFKA_ENV].map((s) => `  ${s.name.padEnd(28)} ${s.description} (default ${s.default})`).join('\n')}`;

export async function runDetectorsService(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { rules: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const logger = createLogger('detectors');
  const env = process.env;
  const rulesPath = resolveRulesPath(values.rules, env);
  const rules = rulesFromEnv(rulesPath, env);
  const amUrl = envString(env, DETECTORS_OWN_ENV.alertmanagerUrl);
  const settings = kafkaSettingsFromEnv(env);
  const resendMs = envInt(env, DETECTORS_OWN_ENV.alertResendMs, 1000);
  const metricsListen = envListen(env, DETECTORS_OWN_ENV.metricsListen);
  const metrics = createDetectorsMetrics();
  const lifetime = serviceLifetime();
  const ocsfWebhookUrl = envString(env, DETECTORS_OWN_ENV.ocsfWebhookUrl);
  const runtime = new DetectorsRuntime({
    kafka: createKafka(settings, { logger }),
    topics: settings.topics,
    groupId: envString(env, DETECTORS_OWN_ENV.group),
    rules,
    notifier: new AlertNotifier({
      alertmanagerUrl: amUrl === 'off' ? '' : amUrl,
      resendIntervalMs: resendMs,
      logger,
      posts: metrics.alertmanagerPosts,
      links: alertLinksFromEnv(env),
    }),
    // Posted beside Alertmanager, by the same poster and with its retry.
    alertTargets: ocsfWebhookUrl === '' ? [] : [new AlertWebhook(ocsfWebhookUrl, 'ocsf', logger)],
    metrics,
    logger,
    topicSettings: settings.topicSettings,
    otlpInput: settings.otlpInput,
    onConsumerStopped: lifetime.fail,
    tickIntervalMs: envInt(env, DETECTORS_OWN_ENV.tickMs, 100),
    onAlert: (alert) => {
      logger.info('alert', {
        rule: alert.rule,
        severity: alert.severity,
        status: alert.status,
        fingerprint: alert.fingerprint,
      });
    },
  });

  const rulesWatch = watchRules({
    load: () => rulesFromEnv(rulesPath, env),
    initial: rules,
    apply: (reloaded) => runtime.setRules(reloaded),
    logger,
  });

  await runtime.start();
  const metricsServer = await serveMetrics(metricsListen, {
    registry: metrics.registry,
    readiness: () =>
      runtime.writesFailing()
        ? { ready: false, why: 'writing alerts and state to Kafka fails; retrying' }
        : { ready: true },
    logger,
  });
  const end = await lifetime.ended;
  logger.info('stopping detectors');
  rulesWatch.stop();
  await runtime.stop();
  await metricsServer?.close();
  return end === 'signal' ? 0 : 1;
}
