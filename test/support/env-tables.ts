import type { EnvVarSpec } from '../../platform/index.js';
import { SHIM_ENV } from '../../shim/index.js';
import { ALL_STORAGE_ENV } from '../../storage/index.js';

export { COLLECTOR_ENV_TABLE } from '../../collector/index.js';
export { DETECTORS_ENV } from '../../detectors/index.js';
export { LOCAL_ENV_TABLE } from '../../local/index.js';

/** Storage's and the shim's variables, for checks that a deployment sets only real ones. */
export const STORAGE_AND_SHIM_ENV: readonly EnvVarSpec[] = [...ALL_STORAGE_ENV, ...Object.values(SHIM_ENV)];
