export {
  findSecrets,
  findMaskedSecrets,
  findSecretsOrMasks,
  maskSecrets,
  secretFingerprint,
  secretMask,
  type SecretMatch,
  type SecretEncoding,
} from './find-secrets.js';
export { SECRET_RULES, shannonEntropy, type SecretRule } from './secret-rules.js';
