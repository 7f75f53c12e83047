import { parseArgs } from 'node:util';
import { auditSettingsFromEnv, serverVerifySources } from '../audit/index.js';
import {
  createKafka,
  createLogger,
  envReference,
  kafkaSettingsFromEnv,
  parseListen,
  silentLogger,
} from '../platform/index.js';
import { openStore } from '../storage/index.js';
import { CONSOLE_ENV_TABLE, consoleSettingsFromEnv } from './console-config.js';
import { startConsoleServer } from './console-server.js';

const usage = () => `Usage: mcptap console [--listen HOST:PORT] [--no-topic]

Serves the read-only forensic console for a team: sessions, a session's timeline, alerts with their
evidence, servers with their catalog history, egress destinations, users, and the audit log. It reads
the ClickHouse server as the read-only user (mcptap_reader, created by \`mcptap migrate\` or by the
server's users.xml). Its audit view verifies the store as \`mcptap audit verify\` does, against the
audit public key, the checkpoint file when one is set, and the <prefix>.audit.v1 topic (--no-topic:
not the topic).
\`mcptap local\` serves the same console on its own store (MCPTAP_LOCAL_CONSOLE_LISTEN).

Environment (flags win):
${envReference(CONSOLE_ENV_TABLE)}`;

export async function consoleMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      listen: { type: 'string' },
      'no-topic': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage());
    return 0;
  }
  const settings = consoleSettingsFromEnv();
  const listen = values.listen === undefined ? settings.listen : parseListen(values.listen, '--listen');
  const logger = createLogger('console');
  const { url, username, database } = settings.clickhouse;
  const store = await openStore(settings.clickhouse);
  let server;
  try {
    const kafkaSettings = kafkaSettingsFromEnv();
    const topic = values['no-topic']
      ? null
      : {
          kafka: () => createKafka(kafkaSettings, { logger: silentLogger }),
          name: kafkaSettings.topics.audit,
        };
    const audit = () => serverVerifySources(auditSettingsFromEnv(), topic);
    server = await startConsoleServer({ listen, store, logger, audit });
  } catch (error) {
    await store.client.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`mcptap console: ${listen.host}:${listen.port} is taken; give --listen HOST:PORT`);
      return 1;
    }
    throw error;
  }
  console.error(
    `mcptap console: ${server.url}/ (read-only), reading ${database} on ${url} as ${username}; Ctrl-C stops`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  await store.client.close();
  return 0;
}
