import { join } from 'node:path';
import type { Logger } from '../platform/index.js';
import type { Store } from '../storage/index.js';
import type { AuditSettings } from './config.js';
import type { SigningKey } from './checkpoint.js';
import { fileOutlet, type CheckpointOutlet } from './checkpoint-outlets.js';
import { AuditSealer } from './sealer.js';
import { ensureSigningKeyFile, readSigningKeyFile } from './signing-key.js';

/** How a writer (the sink, or `mcptap local`'s store thread) seals what it stores, defaults resolved. */
export interface AuditWriterSettings {
  signingKeyFile: string;
  /** Made on first use (`mcptap local`), or required to exist (the sink). */
  createKey: boolean;
  /** '' for none. */
  checkpointFile: string;
  writer: string;
  segmentRecords: number;
  segmentSeconds: number;
}

/** `mcptap local`'s audit key and checkpoint file live in its private data directory unless set elsewhere. */
export function localAuditDefaults(dataDir: string): { signingKeyFile: string; checkpointFile: string } {
  return {
    signingKeyFile: join(dataDir, 'audit', 'signing.key'),
    checkpointFile: join(dataDir, 'audit', 'checkpoints.jsonl'),
  };
}

/**
 * The sink seals only when a key is configured; `mcptap local` always does (its key made in its
 * data directory), unless the key is set to `off`. Null: no sealing.
 */
export function auditWriterSettings(
  settings: AuditSettings,
  mode: { sink: true } | { localDataDir: string },
): AuditWriterSettings | null {
  if (settings.signingKeyFile === 'off') return null;
  const local = 'localDataDir' in mode ? localAuditDefaults(mode.localDataDir) : null;
  const signingKeyFile = settings.signingKeyFile || local?.signingKeyFile || '';
  if (signingKeyFile === '') return null;
  return {
    signingKeyFile,
    createKey: local !== null && settings.signingKeyFile === '',
    checkpointFile: settings.checkpointFile || local?.checkpointFile || '',
    writer: settings.writerId || (local ? 'local' : 'sink'),
    segmentRecords: settings.segmentRecords,
    segmentSeconds: settings.segmentSeconds,
  };
}

/** The writer's signing key: made on first use where the settings say so, else read (and checked private). */
export function signingKeyFor(settings: AuditWriterSettings): SigningKey {
  return settings.createKey
    ? ensureSigningKeyFile(settings.signingKeyFile)
    : readSigningKeyFile(settings.signingKeyFile);
}

/** What a writer says at its start about sealing (where checkpoints go, which key). */
export function sealingDescription(settings: AuditWriterSettings, key: SigningKey): Record<string, unknown> {
  return {
    key_id: key.keyId,
    writer: settings.writer,
    checkpoints: ['table audit_segments', ...(settings.checkpointFile ? [settings.checkpointFile] : [])],
  };
}

export async function openAuditSealer(
  store: Store,
  settings: AuditWriterSettings,
  logger: Logger,
  outlets: readonly CheckpointOutlet[] = [],
): Promise<AuditSealer> {
  const key = signingKeyFor(settings);
  const all = [...(settings.checkpointFile ? [fileOutlet(settings.checkpointFile)] : []), ...outlets];
  const sealer = await AuditSealer.open({
    store,
    key,
    writer: settings.writer,
    limits: { records: settings.segmentRecords, maxAgeMs: settings.segmentSeconds * 1000 },
    outlets: all,
    logger,
  });
  return sealer;
}
