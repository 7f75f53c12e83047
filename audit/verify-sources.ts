import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Kafka } from 'kafkajs';
import type { AuditSettings } from './config.js';
import { readCheckpointFile, readCheckpointTopic, type ExternalCopy } from './checkpoint-outlets.js';
import { localAuditDefaults } from './audit-writer.js';
import { publicKeyPath, readPublicKeyFile } from './signing-key.js';

/**
 * What a verification checks the store against: the audit public key and the checkpoints' copies
 * outside the store. `mcptap audit verify` and the console's audit view resolve them the same way.
 */

export class CannotVerify extends Error {}

export interface VerifySources {
  publicKey: KeyObject;
  /** Read anew for each verification: the copies grow as the writer seals. */
  external(): Promise<ExternalCopy[]>;
  /** The copies' names, for people (`file …`, `topic …`). */
  copies: string[];
}

function publicKey(
  settings: AuditSettings,
  explicit: string | undefined,
  fallbackPrivateKey: string,
): KeyObject {
  const path =
    explicit ??
    (settings.publicKeyFile ||
      (settings.signingKeyFile && settings.signingKeyFile !== 'off'
        ? publicKeyPath(settings.signingKeyFile)
        : '') ||
      (fallbackPrivateKey ? publicKeyPath(fallbackPrivateKey) : ''));
  if (path === '')
    throw new CannotVerify('no audit public key is configured: set MCPTAP_AUDIT_PUBLIC_KEY_FILE');
  if (!existsSync(path)) {
    throw new CannotVerify(
      `no audit public key at ${path}: set MCPTAP_AUDIT_PUBLIC_KEY_FILE (or pass --public-key)`,
    );
  }
  return readPublicKeyFile(path);
}

/** `mcptap local`'s store: its key and checkpoint file default to its data directory. */
export function localVerifySources(
  settings: AuditSettings,
  dataDir: string,
  explicit: { publicKeyFile?: string; checkpointFile?: string } = {},
): VerifySources {
  const defaults = localAuditDefaults(dataDir);
  const key = publicKey(settings, explicit.publicKeyFile, defaults.signingKeyFile);
  const file = explicit.checkpointFile || settings.checkpointFile || defaults.checkpointFile;
  return {
    publicKey: key,
    copies: [`file ${file}`],
    external: async () => {
      if (!existsSync(file))
        throw new CannotVerify(`no checkpoint file at ${file}: nothing was sealed there yet`);
      return [readCheckpointFile(file)];
    },
  };
}

/** A ClickHouse server's store: the checkpoint file when one is set, and the audit topic unless left out. */
export function serverVerifySources(
  settings: AuditSettings,
  topic: { kafka: () => Kafka; name: string } | null,
  explicit: { publicKeyFile?: string; checkpointFile?: string } = {},
): VerifySources {
  const key = publicKey(settings, explicit.publicKeyFile, '');
  const file = explicit.checkpointFile ?? settings.checkpointFile;
  return {
    publicKey: key,
    copies: [...(file ? [`file ${file}`] : []), ...(topic ? [`topic ${topic.name}`] : [])],
    external: async () => [
      ...(file ? [readCheckpointFile(file)] : []),
      ...(topic ? [await readCheckpointTopic(topic.kafka(), topic.name)] : []),
    ],
  };
}
