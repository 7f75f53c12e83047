/**
 * The detectors' commands. Offline ones (lint-catalog, replay) never load the Kafka client.
 */
export { lintCatalogMain } from './lint-catalog-command.js';
export { replayMain } from './replay-command.js';

export async function detectorsMain(argv: string[]): Promise<number> {
  const { runDetectorsService } = await import('./runtime/detectors-service.js');
  return runDetectorsService(argv);
}
