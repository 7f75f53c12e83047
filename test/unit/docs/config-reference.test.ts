import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { configReference, replaceReference } from '../../../scripts/config-reference.js';

test("the README's configuration reference lists every variable the components read, as generated", async () => {
  const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
  assert.equal(
    readme,
    replaceReference(readme, configReference()),
    'README.md is out of date: run node --import tsx scripts/config-reference.ts --write',
  );
  for (const name of [
    'MCPTAP_COLLECTOR_API_KEYS',
    'MCPTAP_ALERTMANAGER_URL',
    'MCPTAP_CLICKHOUSE_URL',
    'MCPTAP_DATA_DIR',
  ]) {
    assert.ok(readme.includes(`\`${name}\``), `${name} is documented`);
  }
});
