import type { Detector } from '../engine/detector.js';
import { argumentShapeDetector } from './argument-shape.js';
import { catalogDriftDetector } from './catalog-drift.js';
import { catalogLintDetector } from './catalog-lint-detector.js';
import { chainLengthDetector } from './chain-length.js';
import { exfilChainDetector } from './exfil-chain.js';
import { injectedResultDetector } from './injected-result.js';
import { newDestinationDetector } from './new-destination.js';
import { rateSpikeSessionDetector, rateSpikeToolDetector } from './rate-spike.js';
import { resultSteeredDetector } from './result-steered.js';
import { secretEgressDetector } from './secret-egress.js';
import { serverPolicyDetector } from './server-policy.js';
import { ssrfTargetDetector } from './ssrf-target.js';
import { toolShadowingDetector } from './tool-shadowing.js';

/** Every detector, in the order they see an event. */
export const ALL_DETECTORS: readonly Detector[] = [
  catalogLintDetector,
  toolShadowingDetector,
  catalogDriftDetector,
  injectedResultDetector,
  ssrfTargetDetector,
  secretEgressDetector,
  exfilChainDetector,
  resultSteeredDetector,
  chainLengthDetector,
  newDestinationDetector,
  rateSpikeToolDetector,
  rateSpikeSessionDetector,
  argumentShapeDetector,
  serverPolicyDetector,
];
