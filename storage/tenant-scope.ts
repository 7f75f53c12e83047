import type { Store } from './store.js';
import { STORE_TABLES } from './tables.js';

/**
 * Which tenant a forensics read is about. A store that holds several tenants is read one tenant at
 * a time: a reader names the tenant, and nothing of another tenant is printed for a mistyped or
 * forgotten flag. A store with one tenant (`mcptap local`'s) needs no name.
 */

export class TenantRequiredError extends Error {
  readonly retriable = false;
  constructor(readonly tenants: number) {
    super(`the store holds events of ${tenants} tenants: name the one to read with --tenant TENANT`);
    this.name = 'TenantRequiredError';
  }
}

/** How many tenants have rows in any mcptap table. */
export async function storedTenantCount(store: Store): Promise<number> {
  const tenants = STORE_TABLES.map((table) => `SELECT DISTINCT tenant FROM ${store.database}.${table}`);
  const [row] = await (
    await store.client.query({
      query: `SELECT uniqExact(tenant) AS tenants FROM (${tenants.join(' UNION ALL ')})`,
      format: 'JSONEachRow',
    })
  ).json<{ tenants: string | number }>();
  return Number(row?.tenants ?? 0);
}

/**
 * The tenant to filter a read by: the one named, or none when the store holds at most one tenant.
 * Throws TenantRequiredError when none is named and the store holds more.
 */
export async function tenantToRead(store: Store, named: string | undefined): Promise<string | undefined> {
  if (named !== undefined) return named;
  const tenants = await storedTenantCount(store);
  if (tenants > 1) throw new TenantRequiredError(tenants);
  return undefined;
}
