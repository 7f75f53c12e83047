export {
  startLocal,
  openLocalStore,
  LOCAL_DATABASE,
  DEFAULT_QUEUE,
  type LocalOptions,
  type RunningLocal,
  type LocalStatus,
} from './start-local.js';
export {
  LOCAL_ENV,
  LOCAL_ENV_TABLE,
  localSettingsFromEnv,
  engineSettingsFromEnv,
  type EngineSettings,
  type LocalSettings,
  type QueueSettings,
} from './local-config.js';
export { formatAlertLine } from './alert-line.js';
export { formatStatusLine, type LocalStatsSnapshot } from './local-stats.js';
export { DataDirLockedError } from './data-dir-lock.js';
export { BoundedEventStream, type BoundedStreamOptions } from './bounded-stream.js';
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
