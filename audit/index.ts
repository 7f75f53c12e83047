export { AUDIT_ENV, AUDIT_ENV_TABLE, auditSettingsFromEnv, type AuditSettings } from './config.js';
export { sealedMember, leafHash, memberKey, type SealedMember } from './leaf.js';
export { SegmentChains, segmentHash, GENESIS_HASH, type Segment } from './segment-chain.js';
export { signCheckpoint, checkpointSignatureValid, type Checkpoint, type SigningKey } from './checkpoint.js';
export {
  generateSigningKeyFile,
  readSigningKeyFile,
  ensureSigningKeyFile,
  readPublicKeyFile,
  publicKeyPath,
} from './signing-key.js';
export {
  fileOutlet,
  kafkaOutlet,
  readCheckpointFile,
  readCheckpointTopic,
  type CheckpointOutlet,
  type ExternalCopy,
} from './checkpoint-outlets.js';
export { AuditSealer, type SealerOptions } from './sealer.js';
export { SEGMENTS_TABLE, segmentSummaries, type SegmentSummary } from './segment-store.js';
export { verifySealedStore, type Finding, type FindingKind, type VerifyReport } from './verify.js';
export { verifyStore } from './verify-store.js';
export {
  CannotVerify,
  localVerifySources,
  serverVerifySources,
  type VerifySources,
} from './verify-sources.js';
export {
  auditWriterSettings,
  localAuditDefaults,
  openAuditSealer,
  signingKeyFor,
  sealingDescription,
  type AuditWriterSettings,
} from './audit-writer.js';
export { auditMain } from './cli.js';
