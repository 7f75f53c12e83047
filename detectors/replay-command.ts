import { readFileSync } from 'node:fs';
import { parseCommandArgs } from './command-args.js';
import { rulesFromEnv } from './config/rules-source.js';
import { replayTranscript } from './replay/replay-transcript.js';
import { errorMessage } from '../model/index.js';

const USAGE = `Usage: mcptap replay [--format text|json] [--tenant T] [--host-id H] [--rules FILE] FILE.jsonl

Runs a session transcript through the shim's extraction and every detector. Malformed lines are
reported with their line number and skipped. Exit 0 when it ran (alerts or not), 2 on unreadable input
or when no line of the file is a transcript line.`;

export async function replayMain(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'replay',
    argv,
    {
      format: { type: 'string', default: 'text' },
      tenant: { type: 'string', default: 'replay' },
      'host-id': { type: 'string', default: 'replay' },
      rules: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    USAGE,
  );
  if (parsed === null) return 2;
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [path] = positionals;
  if (path === undefined || (values.format !== 'text' && values.format !== 'json')) {
    console.error(USAGE);
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    console.error(`mcptap replay: cannot read ${path}: ${errorMessage(error)}`);
    return 2;
  }
  const rules = rulesFromEnv(values.rules);
  const result = replayTranscript(text, { rules, tenant: values.tenant, hostId: values['host-id'] });
  for (const error of result.errors) console.error(`${path}:${error.line}: skipped: ${error.reason}`);
  if (result.linesRead === 0) {
    console.error(
      `mcptap replay: nothing in ${path} could be read ` +
        `(${result.errors.length} malformed, the rest blank); expected JSON lines as written by ` +
        '`mcptap proxy --record`.',
    );
    return 2;
  }
  for (const alert of result.alerts) {
    if (values.format === 'json') {
      console.log(
        JSON.stringify({
          rule: alert.rule,
          severity: alert.severity,
          session: alert.session_id,
          server: alert.server_name,
          tool: alert.tool,
          fingerprint: alert.fingerprint,
          summary: alert.summary,
          time: alert.time,
          evidence: alert.evidence_event_ids,
          runbook: alert.runbook,
          details: alert.details,
        }),
      );
    } else {
      console.log(
        `${alert.time} ${alert.severity.toUpperCase().padEnd(8)} ${alert.rule}  [${alert.session_id}] ${alert.summary}`,
      );
    }
  }
  if (values.format === 'text') {
    console.log(
      `${result.events.length} events, ${result.alerts.length} alert(s), ${result.errors.length} malformed line(s)`,
    );
  }
  return 0;
}
