export {
  findSecrets,
  findMaskedSecrets,
  findSecretsOrMasks,
  maskSecrets,
  type SecretMatch,
} from './find-secrets.js';
export { secretFingerprint } from './secret-fingerprint.js';
export { SECRET_RULES } from './secret-rules.js';
export {
  maskRecord,
  maskSerialised,
  maskSecretsInText,
  maskStrings,
  SECRETS_UNMASKED_ENV,
  type MaskContext,
  type SecretMasker,
} from './mask-record.js';
