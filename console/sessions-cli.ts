import { parseArgs } from 'node:util';
import { listStored } from '../local/index.js';
import { defaultDataDir } from '../shim/index.js';
import type { SessionFilter } from '../storage/index.js';
import { formatSessionsTable } from './sessions-table.js';
import { errorMessage } from '../model/index.js';

const USAGE = `Usage: mcptap sessions [--search TEXT] [--server NAME] [--rule RULE] [--tenant T] [--limit N]
                       [--format text|json] [--data DIR]

Recent sessions, most recently active first: id, start, host, servers, events, alerts. From the store
of \`mcptap local\` (DIR, default ${defaultDataDir()}), or from the ClickHouse server at
$MCPTAP_CLICKHOUSE_URL when it is set. --search matches part of a session id, host, server or tool
name (any case); --rule keeps sessions with an alert of that rule. \`mcptap session ID\` prints one.`;

export async function sessionsMain(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        data: { type: 'string' },
        format: { type: 'string', default: 'text' },
        search: { type: 'string' },
        server: { type: 'string' },
        rule: { type: 'string' },
        tenant: { type: 'string' },
        limit: { type: 'string', default: '20' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`mcptap sessions: ${errorMessage(error)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.format !== 'text' && values.format !== 'json') {
    console.error(`mcptap sessions: --format must be text or json, not '${values.format}'`);
    return 2;
  }
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) {
    console.error(`mcptap sessions: --limit '${values.limit}' is not a number from 1 to 100000`);
    return 2;
  }
  const filter: SessionFilter = { limit };
  if (values.search) filter.search = values.search;
  if (values.server) filter.serverName = values.server;
  if (values.rule) filter.rule = values.rule;
  if (values.tenant) filter.tenant = values.tenant;
  return listStored(
    'sessions',
    values.data ?? defaultDataDir(),
    (q) => q.sessions(filter),
    (sessions) => {
      if (values.format === 'json') console.log(JSON.stringify(sessions, null, 2));
      else if (sessions.length === 0) console.error('no session matches');
      else console.log(formatSessionsTable(sessions));
    },
  );
}
