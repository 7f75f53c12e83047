export {
  findSecrets,
  findMaskedSecrets,
  findSecretsOrMasks,
  maskSecrets,
  secretMask,
  type ScanOptions,
  type SecretMatch,
  type SecretEncoding,
} from './find-secrets.js';
export { secretFingerprint } from './secret-fingerprint.js';
export { SECRET_RULES, shannonEntropy, type SecretRule } from './secret-rules.js';
export {
  maskRecord,
  maskSerialised,
  maskSecretsInText,
  maskStrings,
  RECORD_IDENTITY_FIELDS,
  SECRETS_UNMASKED_ENV,
  type MaskContext,
  type SecretMasker,
} from './mask-record.js';
