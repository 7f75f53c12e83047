// Every place a stack keeps or shows what it was given, read back for the leak search: each table's
// every column, each Kafka topic's keys, values and headers, the broker's segment files, files on
// disk (raw bytes), the bytes the shared servers appended to their logs during the run.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { Store } from '../../storage/index.js';
import { REPO_ROOT } from '../shim/support.js';
import type { Findings } from './planted-secrets.js';

/** `$MCPTAP_HOME/infra`, where scripts/infra.sh keeps each server's config, data and logs. */
export function infraHome(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.MCPTAP_HOME || join(REPO_ROOT, '.mcptap'), 'infra');
}

/** The running broker's log directory, from the configuration scripts/infra.sh wrote for it. */
export async function kafkaLogDir(): Promise<string> {
  const properties = await readFile(join(infraHome(), 'kafka', 'config', 'server.properties'), 'utf8');
  const dir = /^log\.dirs=(.+)$/m.exec(properties)?.[1]?.trim();
  if (dir === undefined) throw new Error('no log.dirs in the broker configuration of scripts/infra.sh');
  return dir;
}

export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** A file's place in a report: its path under `dir`, generated folder names (parts, uuids) elided. */
function filePlace(dir: string, file: string): string {
  const parts = relative(dir, file).split(sep);
  return parts.length <= 2 ? parts.join('/') : `${parts[0]}/…/${parts[parts.length - 1]}`;
}

/** Every file under `dir`, raw bytes. */
export async function scanFiles(findings: Findings, label: string, dir: string): Promise<number> {
  const files = await filesUnder(dir);
  for (const file of files) {
    const bytes = await readFile(file).catch(() => undefined);
    if (bytes !== undefined) findings.scan(`${label}:${filePlace(dir, file)}`, bytes);
  }
  return files.length;
}

/** The sizes of the files of the shared servers' logs and data, to scan what a run appends. */
export type FileSizes = Map<string, number>;

export async function sharedServerFiles(): Promise<string[]> {
  const home = infraHome();
  return [
    ...(await filesUnder(join(home, 'clickhouse', 'logs'))),
    ...(await filesUnder(join(home, 'kafka', 'logs'))),
    ...(await filesUnder(join(home, 'alertmanager', 'logs'))),
    ...(await filesUnder(join(home, 'alertmanager', 'data'))),
    ...(await filesUnder(join(home, 'webhook', 'logs'))),
    ...(await filesUnder(join(home, 'webhook', 'data'))),
  ];
}

export async function fileSizes(files: readonly string[]): Promise<FileSizes> {
  const sizes: FileSizes = new Map();
  for (const file of files) sizes.set(file, (await stat(file).catch(() => ({ size: 0 }))).size);
  return sizes;
}

/** What the shared servers wrote since `before` (a file that shrank was rotated: read whole). */
export async function scanAppended(findings: Findings, before: FileSizes): Promise<void> {
  const home = infraHome();
  for (const file of await sharedServerFiles()) {
    const bytes = await readFile(file).catch(() => undefined);
    if (bytes === undefined) continue;
    const from = before.get(file) ?? 0;
    findings.scan(`server-file:${relative(home, file)}`, from <= bytes.length ? bytes.subarray(from) : bytes);
  }
}

/** Every column of every table of `databases`, each value searched on its own. */
export async function scanTables(
  findings: Findings,
  label: string,
  store: Store,
  databases: readonly string[],
): Promise<string[]> {
  const tables: string[] = [];
  for (const database of databases) {
    const listing = await store.client.query({
      query: `SELECT name FROM system.tables WHERE database = '${database}' ORDER BY name`,
      format: 'JSONEachRow',
    });
    for (const { name } of await listing.json<{ name: string }>()) {
      tables.push(`${database}.${name}`);
      const result = await store.client.query({
        query: `SELECT * FROM ${database}.\`${name}\``,
        format: 'JSONEachRow',
      });
      for (const row of await result.json<Record<string, unknown>>()) {
        for (const [column, value] of Object.entries(row)) {
          findings.scan(`${label}:${database}.${name}.${column}`, JSON.stringify(value));
        }
      }
    }
  }
  return tables;
}

/** The databases of a server that are not its own. */
export async function userDatabases(store: Store): Promise<string[]> {
  const result = await store.client.query({
    query:
      "SELECT name FROM system.databases WHERE name NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema')",
    format: 'JSONEachRow',
  });
  return (await result.json<{ name: string }>()).map((r) => r.name);
}

/** The headers of every message read, by topic: what a test checks about the records it searched. */
export type TopicHeaders = Map<string, Record<string, string>[]>;

/** Every message of every topic, from the beginning up to the high watermark: key, value, headers. */
export async function scanTopics(
  findings: Findings,
  kafka: Kafka,
  prefix: string,
  topics: readonly string[],
): Promise<TopicHeaders> {
  const headersByTopic: TopicHeaders = new Map();
  const admin = kafka.admin();
  await admin.connect();
  const expected = new Map<string, number>();
  try {
    for (const topic of topics) {
      for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
        if (Number(high) > Number(low)) expected.set(`${topic}/${partition}`, Number(high));
      }
    }
  } finally {
    await admin.disconnect();
  }
  if (expected.size === 0) return headersByTopic;
  const consumer = kafka.consumer({
    groupId: `leak-search-${Date.now()}-${process.pid}`,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`reading the topics timed out; left: ${[...expected.keys()].join(', ')}`)),
        60_000,
      );
      void consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          const place = `kafka:${topic.slice(prefix.length + 1)}`;
          findings.scan(`${place} key`, message.key ?? '');
          findings.scan(`${place} value`, message.value ?? '');
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(message.headers ?? {})) {
            headers[name] = String(value);
            findings.scan(`${place} header ${name}`, headers[name]);
          }
          const seen = headersByTopic.get(topic) ?? [];
          seen.push(headers);
          headersByTopic.set(topic, seen);
          const slot = `${topic}/${partition}`;
          if (Number(message.offset) + 1 >= (expected.get(slot) ?? Infinity)) expected.delete(slot);
          if (expected.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await done;
  } finally {
    await consumer.disconnect();
  }
  return headersByTopic;
}

/** The broker's segment files (logs, indexes, snapshots) of `topics`, raw bytes. */
export async function scanTopicSegments(
  findings: Findings,
  prefix: string,
  topics: readonly string[],
): Promise<number> {
  const logDir = await kafkaLogDir();
  let files = 0;
  for (const entry of await readdir(logDir)) {
    const topic = topics.find((t) => entry.startsWith(`${t}-`) && /^\d+$/.test(entry.slice(t.length + 1)));
    if (topic === undefined) continue;
    for (const file of await filesUnder(join(logDir, entry))) {
      files += 1;
      const bytes = await readFile(file).catch(() => undefined);
      const place = `kafka-segment:${topic.slice(prefix.length + 1)} *${extname(basename(file))}`;
      if (bytes !== undefined) findings.scan(place, bytes);
    }
  }
  return files;
}
