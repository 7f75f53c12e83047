export { ALL_STORAGE_ENV, RETENTION_ENV, STORAGE_ENV, storageSettingsFromEnv } from './config.js';
export type { ClickHouseSettings, StorageSettings } from './config.js';
export { openStore, storeFromClient, type Store } from './store.js';
export { openEmbeddedStore } from './embedded-store.js';
export { flavorForVersion, type ServerFlavor } from './server-flavor.js';
export {
  migrate,
  LATEST_SCHEMA_VERSION,
  type MigrateOptions,
  type MigrateResult,
  type TenantReadersOutcome,
} from './migrations.js';
export {
  grafanaTenantProvisioning,
  parseTenantReaders,
  tenantReaderStatements,
  type TenantReader,
} from './tenant-readers.js';
export { enforceRetention, type DroppedPartition } from './retention.js';
export { STORE_TABLES, TABLE_FOR_KIND, TABLE_SPECS, type StoreTable } from './tables.js';
export type { Column } from './columns.js';
export {
  StoreWriter,
  validateRecord,
  tableFor,
  type StoreWriterOptions,
  type RecordSource,
  type RowSealer,
} from './store-writer.js';
export { sqlLiteral } from './sql-literal.js';
export { TIME_MS_ALIAS, timeMsExpression, type Row, type StoredRecord } from './row-codec.js';
export { startSink, type SinkOptions, type RunningSink } from './sink.js';
export { DEAD_LETTER_HEADERS } from '../platform/index.js';
export { createSinkMetrics, type SinkMetrics } from './sink-metrics.js';
export { sessionTimeline, sortTimeline, type TimelineEntry, type TimelineQuery } from './timeline.js';
export { formatTimeline } from './timeline-format.js';
export { storedTenantCount, tenantToRead, TenantRequiredError } from './tenant-scope.js';
export {
  alertRecords,
  alertsByRule,
  catalogChanges,
  catalogHistory,
  destinationSessions,
  destinationsFirstSeen,
  eventsById,
  recentAlerts,
  recentSessions,
  serverActivity,
  serverInventory,
  serversFirstSeen,
  toolCallsOverTime,
  toolStats,
  userActivity,
  type AlertFilter,
  type ServerInventoryRow,
  type SessionFilter,
  type SessionSummary,
  type UserActivity,
} from './queries.js';
export { migrateMain, sessionMain, sinkMain } from './cli.js';
