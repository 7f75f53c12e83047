import type { DetectorRules } from '../config/detector-rules.js';
import { ALL_DETECTORS } from '../rules/all-detectors.js';
import { DetectorEngine } from './detector-engine.js';
import { MemoryStateStore, type StateStore } from './state-store.js';

/** An engine with every detector; in-memory state unless a store is given. */
export function createDetectorEngine(
  rules: DetectorRules,
  store: StateStore = new MemoryStateStore(),
): DetectorEngine {
  return new DetectorEngine({ rules, detectors: ALL_DETECTORS }, store);
}
