export {
  startConsole,
  startConsoleServer,
  type ConsoleServer,
  type ConsoleServerOptions,
} from './console-server.js';
export {
  CONSOLE_ENV,
  CONSOLE_ENV_TABLE,
  consoleSettingsFromEnv,
  type ConsoleSettings,
} from './console-config.js';
export {
  catalogVersions,
  type CatalogVersion,
  type FieldChange,
  type ItemChange,
} from './catalog-versions.js';
export { consoleMain } from './console-cli.js';
export { sessionsMain } from './sessions-cli.js';
