// Integration test against the real ClickHouse server (Debian's 18.16) that scripts/infra.sh runs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { ensureInfra, uniqueName } from '../support/infra.js';

interface Row {
  id: number;
  tenant: string;
  tool: string;
  at: string;
}

describe('local ClickHouse server (scripts/infra.sh)', () => {
  let admin: ClickHouseClient;
  let reader: ClickHouseClient;
  const tables: string[] = [];

  before(async () => {
    const { clickhouseUrl, clickhouseReader } = await ensureInfra(['clickhouse']);
    // The expected refusals below would otherwise be logged as client errors.
    const log = { level: ClickHouseLogLevel.OFF };
    admin = createClient({ url: clickhouseUrl, username: 'default', password: '', log });
    reader = createClient({ url: clickhouseUrl, ...clickhouseReader, log });
  });

  after(async () => {
    for (const table of tables) await admin.command({ query: `DROP TABLE IF EXISTS ${table}` });
    await admin.close();
    await reader.close();
  });

  async function createTable(): Promise<string> {
    const table = uniqueName('infra_ch');
    tables.push(table);
    await admin.command({
      query: `CREATE TABLE ${table} (id UInt32, tenant String, tool String, at DateTime)
              ENGINE = MergeTree ORDER BY (tenant, id)`,
    });
    return table;
  }

  it('answers version() and runs in UTC', async () => {
    const [row] = await (
      await admin.query({
        query: 'SELECT version() AS v, timezone() AS tz, toString(toDateTime(86400)) AS day_one',
        format: 'JSONEachRow',
      })
    ).json<{ v: string; tz: string; day_one: string }>();
    assert.match(row?.v ?? '', /^\d+\.\d+/);
    // 18.16 reports the configured "UTC" as "Etc/UTC".
    assert.match(row?.tz ?? '', /^(Etc\/)?UTC$/);
    assert.equal(row?.day_one, '1970-01-02 00:00:00');
  });

  it('inserts JSONEachRow rows, selects them back and drops the table', async () => {
    const table = await createTable();
    const rows: Row[] = [
      { id: 1, tenant: 'acme', tool: 'read_file', at: '2026-11-25 10:00:00' },
      { id: 2, tenant: 'acme', tool: 'fetch', at: '2026-11-25 10:00:01' },
      { id: 3, tenant: 'globex', tool: 'exec', at: '2026-11-25 10:00:02' },
    ];
    await admin.insert({ table, values: rows, format: 'JSONEachRow' });

    const back = await (
      await admin.query({
        query: `SELECT id, tenant, tool, toString(at) AS at FROM ${table} ORDER BY id`,
        format: 'JSONEachRow',
      })
    ).json<Row>();
    assert.deepEqual(back, rows);

    await admin.command({ query: `DROP TABLE ${table}` });
    tables.splice(tables.indexOf(table), 1);
    const [exists] = await (
      await admin.query({ query: `EXISTS TABLE ${table}`, format: 'JSONEachRow' })
    ).json<{ result: number }>();
    assert.equal(exists?.result, 0);
  });

  it('lets the read-only user mcptap_reader SELECT but refuses its CREATE', async () => {
    const table = await createTable();
    await admin.insert({
      table,
      values: [{ id: 1, tenant: 'acme', tool: 'read_file', at: '2026-11-25 10:00:00' }],
      format: 'JSONEachRow',
    });

    const [count] = await (
      await reader.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' })
    ).json<{ n: string }>();
    assert.equal(count?.n, '1');

    // 18.16 words errors as "Code: 164, e.displayText() = ..." without the "(READONLY)" suffix that
    // @clickhouse/client parses into error.code, so match the message.
    const forbidden = uniqueName('infra_ch_forbidden');
    await assert.rejects(
      reader.command({ query: `CREATE TABLE ${forbidden} (id UInt32) ENGINE = Memory` }),
      /Code: 164\b.*readonly/i,
    );
    await assert.rejects(
      reader.insert({ table, values: [{ id: 2 }], format: 'JSONEachRow' }),
      /Code: 164\b.*readonly/i,
    );
  });
});
