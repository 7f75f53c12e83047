import type { SecretMasker } from './secret-masking.js';

/**
 * The masker the store uses: the secret detectors' `maskSecrets` (type + fingerprint in place of
 * each secret). Loaded lazily, so reading the store never loads the detectors.
 */
export async function secretMaskerFor(): Promise<SecretMasker> {
  const { maskSecrets } = await import('../detectors/index.js');
  return maskSecrets;
}
