export { startLocal, openLocalStore, LOCAL_DATABASE, type RunningLocal } from './start-local.js';
export { LOCAL_ENV_TABLE, engineSettingsFromEnv } from './local-config.js';
export { defaultDataDir } from '../shim/index.js';
export { alertFilter } from './alert-filter.js';
export {
  alertsMain,
  listStored,
  localMain,
  policyMain,
  serversMain,
  sessionMain,
  statusMain,
} from './cli.js';
