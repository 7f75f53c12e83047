import { isoTime } from '../model/index.js';
import type { ServerFlavor } from './server-flavor.js';
import { sqlLiteral, type SqlValue } from './sql-literal.js';

/**
 * Every read builds its SQL here. A value becomes a typed parameter `{p0:String}` on modern servers
 * and an audited literal (sqlLiteral) on old ones, which do not support query parameters.
 */

export type ParamType = 'String' | 'UInt64' | 'Int64' | 'Float64' | 'UInt8' | 'Array(String)';

export interface BuiltQuery {
  query: string;
  query_params: Record<string, unknown>;
}

export class QueryBuilder {
  private readonly params: Record<string, unknown> = {};
  private count = 0;

  constructor(readonly flavor: ServerFlavor) {}

  value(value: SqlValue, type: ParamType): string {
    if (!this.flavor.modern) return sqlLiteral(value);
    const name = `p${this.count++}`;
    this.params[name] = value;
    return `{${name}:${type}}`;
  }

  /**
   * A point in time (ms since the epoch) to compare with a `time` column. Old servers store whole
   * seconds in `time` (milliseconds apart), so there the bound is the second that contains it.
   */
  time(ms: number): string {
    if (!Number.isFinite(ms)) throw new RangeError(`not a time: ${ms}`);
    const iso = isoTime(ms);
    if (!this.flavor.modern)
      return `toDateTime(${sqlLiteral(`${iso.slice(0, 10)} ${iso.slice(11, 19)}`)}, 'UTC')`;
    const name = `p${this.count++}`;
    this.params[name] = `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
    return `{${name}:DateTime64(3, 'UTC')}`;
  }

  build(query: string): BuiltQuery {
    return { query, query_params: { ...this.params } };
  }
}
