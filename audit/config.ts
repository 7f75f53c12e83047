import { envInt, envString, type EnvVarSpec } from '../platform/index.js';

/** Every knob of the tamper-evident audit log, read in one place. */

export const AUDIT_ENV = {
  signingKeyFile: {
    name: 'MCPTAP_AUDIT_SIGNING_KEY_FILE',
    default: '',
    description:
      "Ed25519 private key (PEM, 0600; `mcptap audit keygen`) that signs the audit checkpoints of stored rows. The sink seals only when it is set; `mcptap local` defaults to `<data dir>/audit/signing.key`, made on first start; `off` turns sealing off. Keep it outside the store's reach",
  },
  publicKeyFile: {
    name: 'MCPTAP_AUDIT_PUBLIC_KEY_FILE',
    default: '',
    description:
      "`mcptap audit verify` and the console's audit view: public key the checkpoints must verify with (default: `<signing key>.pub`; `mcptap local`: its own)",
  },
  checkpointFile: {
    name: 'MCPTAP_AUDIT_CHECKPOINT_FILE',
    default: '',
    description:
      'append-only file (0600, one JSON checkpoint a line) that gets a copy of every checkpoint; `mcptap local` defaults to `<data dir>/audit/checkpoints.jsonl`; the sink writes one only when set (when it seals it always produces them to `<prefix>.audit.v1`)',
  },
  segmentRecords: {
    name: 'MCPTAP_AUDIT_SEGMENT_RECORDS',
    default: '1000',
    description: "a tenant's audit segment is sealed when it holds this many stored rows",
  },
  segmentSeconds: {
    name: 'MCPTAP_AUDIT_SEGMENT_SECONDS',
    default: '30',
    description:
      "a tenant's audit segment is sealed at the latest this long after its first row (rows not yet sealed are not yet tamper-evident)",
  },
  writerId: {
    name: 'MCPTAP_AUDIT_WRITER_ID',
    default: '',
    description:
      "name of this writer's chains (one per tenant); default `sink` or `local`. Give each sink replica its own",
  },
} as const satisfies Record<string, EnvVarSpec>;

export const AUDIT_ENV_TABLE: readonly EnvVarSpec[] = Object.values(AUDIT_ENV);

export interface AuditSettings {
  /** '' when not configured, 'off' when turned off. */
  signingKeyFile: string;
  publicKeyFile: string;
  checkpointFile: string;
  segmentRecords: number;
  segmentSeconds: number;
  writerId: string;
}

export function auditSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): AuditSettings {
  return {
    signingKeyFile: envString(env, AUDIT_ENV.signingKeyFile),
    publicKeyFile: envString(env, AUDIT_ENV.publicKeyFile),
    checkpointFile: envString(env, AUDIT_ENV.checkpointFile),
    segmentRecords: envInt(env, AUDIT_ENV.segmentRecords, 1, 100_000),
    segmentSeconds: envInt(env, AUDIT_ENV.segmentSeconds, 1, 86_400),
    writerId: envString(env, AUDIT_ENV.writerId),
  };
}
