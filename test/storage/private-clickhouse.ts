// A ClickHouse server of the test's own (Debian's clickhouse-server, as scripts/infra.sh runs it)
// on free ports and a private data directory, so a test can stop and restart it without touching
// the shared one.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { waitFor } from '../support/infra.js';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface PrivateClickHouse {
  url: string;
  start(): Promise<void>;
  /** SIGKILL: the server vanishes as in a crash. */
  kill(): Promise<void>;
}

export async function privateClickHouse(dir: string): Promise<PrivateClickHouse> {
  const [httpPort, tcpPort] = [await freePort(), await freePort()];
  for (const sub of ['data/tmp', 'data/user_files', 'data/format_schemas', 'logs', 'config']) {
    await mkdir(join(dir, sub), { recursive: true });
  }
  const data = join(dir, 'data');
  await writeFile(
    join(dir, 'config', 'config.xml'),
    `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/logs/server.log</log><errorlog>${dir}/logs/server.err.log</errorlog></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <path>${data}/</path>
  <tmp_path>${data}/tmp/</tmp_path>
  <user_files_path>${data}/user_files/</user_files_path>
  <format_schema_path>${data}/format_schemas/</format_schema_path>
  <users_config>${dir}/config/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>67108864</mark_cache_size>
  <timezone>UTC</timezone>
</yandex>
`,
  );
  await writeFile(
    join(dir, 'config', 'users.xml'),
    `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`,
  );
  const url = `http://127.0.0.1:${httpPort}`;
  let child: ChildProcess | undefined;
  return {
    url,
    async start() {
      child = spawn('clickhouse-server', [`--config-file=${join(dir, 'config', 'config.xml')}`], {
        cwd: join(dir, 'config'),
        stdio: 'ignore',
      });
      const started = child;
      await waitFor(
        async () => {
          if (started.exitCode !== null)
            throw new Error(`clickhouse-server exited with ${started.exitCode}; see ${dir}/logs`);
          return (await (await fetch(`${url}/ping`)).text()).trim() === 'Ok.';
        },
        { timeoutMs: 30_000, intervalMs: 100, description: `private ClickHouse at ${url}` },
      );
    },
    async kill() {
      const running = child;
      if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
      const gone = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await gone;
    },
  };
}
