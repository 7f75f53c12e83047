import { parseArgs } from 'node:util';
import { createKafka, envReference, kafkaSettingsFromEnv, silentLogger } from '../platform/index.js';
import { AUDIT_ENV_TABLE, auditSettingsFromEnv } from './config.js';
import { generateSigningKeyFile, publicKeyPath } from './signing-key.js';
import { CannotVerify, localVerifySources, serverVerifySources } from './verify-sources.js';
import { verifyStore } from './verify-store.js';
import type { VerifyReport } from './verify.js';
import { errorMessage } from '../model/index.js';

/** `mcptap audit keygen` and `mcptap audit verify`. */

const USAGE = `Usage:
  mcptap audit keygen --key FILE
      writes a new Ed25519 signing key (FILE, 0600) and its public half (FILE.pub)
  mcptap audit verify [--tenant T] [--from TIME] [--to TIME] [--public-key FILE]
                      [--checkpoint-file FILE] [--no-topic] [--data DIR] [--format text|json]
      recomputes every audit segment from the stored rows, checks the chain, each checkpoint's
      signature, and the checkpoints against their copy outside the store (the checkpoint file;
      on a ClickHouse server also the <prefix>.audit.v1 topic). TIME: ISO 8601 or ms since the epoch.
      Reads mcptap local's store (--data, default its data directory) unless MCPTAP_CLICKHOUSE_URL is set.
      Exit 0: every sealed row is as sealed; 1: tampering found (each finding names the row or
      segment and its time range); 2: cannot verify.

Configuration (environment):
${envReference(AUDIT_ENV_TABLE)}`;

function parseTime(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms))
    throw new CannotVerify(`${flag} ${JSON.stringify(text)}: expected ISO 8601 or ms since the epoch`);
  return ms;
}

export function formatReport(report: VerifyReport): string {
  const head = report.ok
    ? `OK: ${report.segments} segments, ${report.sealedRows} sealed rows verified (${report.rowsRead} rows read)`
    : `TAMPERED: ${report.findings.length} findings in ${report.segments} segments, ${report.sealedRows} sealed rows`;
  const lines = [head, ...report.findings.map((f) => `  ${f.kind}: ${f.message}`)];
  if (report.unsealed > 0)
    lines.push(`  (${report.unsealed} rows newer than the last checkpoint are not sealed yet)`);
  return lines.join('\n');
}

async function verify(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      tenant: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      'public-key': { type: 'string' },
      'checkpoint-file': { type: 'string' },
      'no-topic': { type: 'boolean', default: false },
      data: { type: 'string' },
      format: { type: 'string', default: 'text' },
    },
  });
  const fromMs = parseTime(values.from, '--from');
  const toMs = parseTime(values.to, '--to');
  const settings = auditSettingsFromEnv();
  const options = { tenant: values.tenant, fromMs, toMs };
  const explicit = {
    ...(values['public-key'] === undefined ? {} : { publicKeyFile: values['public-key'] }),
    ...(values['checkpoint-file'] === undefined ? {} : { checkpointFile: values['checkpoint-file'] }),
  };
  let report: VerifyReport;
  if (process.env.MCPTAP_CLICKHOUSE_URL) {
    const { openStore, storageSettingsFromEnv } = await import('../storage/index.js');
    const kafkaSettings = kafkaSettingsFromEnv();
    const topic = values['no-topic']
      ? null
      : {
          kafka: () => createKafka(kafkaSettings, { logger: silentLogger }),
          name: kafkaSettings.topics.audit,
        };
    const sources = serverVerifySources(settings, topic, explicit);
    const external = await sources.external();
    const store = await openStore(storageSettingsFromEnv().clickhouse);
    try {
      report = await verifyStore(store, { ...options, external, publicKey: sources.publicKey });
    } finally {
      await store.client.close();
    }
  } else {
    const { openLocalStore, defaultDataDir } = await import('../local/index.js');
    const dataDir = values.data ?? defaultDataDir();
    const sources = localVerifySources(settings, dataDir, explicit);
    const external = await sources.external();
    const opened = await openLocalStore(dataDir, 'mcptap audit verify');
    if (opened === undefined) throw new CannotVerify(`no mcptap local store in ${dataDir}`);
    try {
      report = await verifyStore(opened.store, { ...options, external, publicKey: sources.publicKey });
    } finally {
      await opened.close();
    }
  }
  console.log(values.format === 'json' ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.ok ? 0 : 1;
}

export async function auditMain(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === 'keygen') {
      const { values } = parseArgs({ args: rest, options: { key: { type: 'string' } } });
      const path = values.key ?? auditSettingsFromEnv().signingKeyFile;
      if (!path || path === 'off') {
        console.error('mcptap audit keygen: --key FILE (or MCPTAP_AUDIT_SIGNING_KEY_FILE) is required');
        return 2;
      }
      const key = generateSigningKeyFile(path);
      console.log(`audit signing key ${path} (0600), public key ${publicKeyPath(path)}, key id ${key.keyId}`);
      return 0;
    }
    if (sub === 'verify') return await verify(rest);
    console.log(USAGE);
    return sub === undefined || sub === '--help' || sub === '-h' ? 0 : 2;
  } catch (error) {
    console.error(`mcptap audit ${sub}: ${errorMessage(error)}`);
    return 2;
  }
}
