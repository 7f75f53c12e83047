import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  alterColumnsSql,
  isClusterName,
  replacingTableSql,
  storageTable,
} from '../../../storage/cluster-schema.js';
import { flavorForVersion } from '../../../storage/index.js';
import { createTableSql, TABLE_SPECS } from '../../../storage/tables.js';
import { storageSettingsFromEnv } from '../../../storage/config.js';

const table = { name: 'things', body: 'id String', clauses: 'ORDER BY id', shardingKey: 'sipHash64(id)' };

test('on one server a table is one ReplacingMergeTree under its own name', () => {
  const place = { database: 'db' };
  assert.deepEqual(replacingTableSql(place, table), [
    'CREATE TABLE IF NOT EXISTS db.things (\nid String\n) ENGINE = ReplacingMergeTree\nORDER BY id',
  ]);
  assert.equal(storageTable(place, 'things'), 'things');
  assert.deepEqual(alterColumnsSql(place, 'things', ['ADD COLUMN x String'], 'k'), [
    'ALTER TABLE db.things ADD COLUMN x String',
  ]);
});

test('on a cluster: a replicated local table per replica, a Distributed table under the name, all ON CLUSTER', () => {
  const place = { database: 'db', cluster: 'c1' };
  const [local, distributed] = replacingTableSql(place, table);
  assert.equal(
    local,
    'CREATE TABLE IF NOT EXISTS db.things_local ON CLUSTER c1 (\nid String\n) ' +
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/db/things', '{replica}')\nORDER BY id",
  );
  assert.equal(
    distributed,
    'CREATE TABLE IF NOT EXISTS db.things ON CLUSTER c1 AS db.things_local ' +
      'ENGINE = Distributed(c1, db, things_local, sipHash64(id))',
  );
  // 18.16 refuses ALTER ON CLUSTER of a Distributed table over a replicated shard: it is made again.
  assert.deepEqual(alterColumnsSql(place, 'things', ['ADD COLUMN x String'], 'sipHash64(id)'), [
    'ALTER TABLE db.things_local ON CLUSTER c1 ADD COLUMN x String',
    'DROP TABLE IF EXISTS db.things ON CLUSTER c1',
    distributed,
  ]);
});

test('event tables shard by session, so a redelivered event meets its first copy', () => {
  const [local, distributed] = createTableSql(
    { database: 'db', cluster: 'c1' },
    TABLE_SPECS.tool_calls,
    flavorForVersion('18.16.1'),
    90,
  );
  assert.match(local!, /^CREATE TABLE IF NOT EXISTS db\.tool_calls_local ON CLUSTER c1 \(/);
  assert.match(
    local!,
    /PARTITION BY toYYYYMMDD\(time\)\nORDER BY \(tenant, session_id, time, time_ms, event_id\)$/,
  );
  assert.match(distributed!, /Distributed\(c1, db, tool_calls_local, sipHash64\(tenant, session_id\)\)$/);
});

test('the cluster name is a plain identifier, from MCPTAP_CLICKHOUSE_CLUSTER', () => {
  assert.equal(isClusterName('mcptap_cluster'), true);
  assert.equal(isClusterName('a b; DROP'), false);
  assert.equal(storageSettingsFromEnv({}).clickhouse.cluster, undefined);
  assert.equal(storageSettingsFromEnv({ MCPTAP_CLICKHOUSE_CLUSTER: 'prod' }).clickhouse.cluster, 'prod');
  assert.throws(
    () => storageSettingsFromEnv({ MCPTAP_CLICKHOUSE_CLUSTER: 'prod-1' }),
    /MCPTAP_CLICKHOUSE_CLUSTER="prod-1": expected a cluster name/,
  );
});
