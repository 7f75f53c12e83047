import type { ClickHouseClient } from '@clickhouse/client';

/**
 * Which SQL dialect the connected ClickHouse speaks. Modern servers (22+, and the embedded chdb)
 * get DateTime64, LowCardinality, codecs, TTL, skip indexes and typed query parameters; older ones
 * (Debian's 18.16) get plain types, a separate millisecond column and escaped literals.
 */
export interface ServerFlavor {
  version: string;
  modern: boolean;
  /**
   * Tables for `mcptap local` (chdb in the process that receives the events): LZ4 instead of ZSTD
   * and no skip indexes. One developer's data needs neither the disk savings nor the lookups, and
   * without them chdb inserts and merges at about half the CPU per row. Modern engines only.
   */
  embeddedTables?: boolean;
}

const MODERN_MAJOR = 22;

export function flavorForVersion(version: string): ServerFlavor {
  const major = Number(/^(\d+)\./.exec(version)?.[1] ?? NaN);
  if (!Number.isInteger(major))
    throw new Error(`ClickHouse answered version() with '${version}', not a version`);
  return { version, modern: major >= MODERN_MAJOR };
}

export async function detectFlavor(client: ClickHouseClient): Promise<ServerFlavor> {
  const result = await client.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' });
  const [row] = await result.json<{ version: string }>();
  if (row === undefined) throw new Error('ClickHouse returned no row for SELECT version()');
  return flavorForVersion(row.version);
}
