// mcptap local starts embedded ClickHouse (chdb) with its memory settings: the caches, the memory
// limit and the merge threads that MCPTAP_LOCAL_ENGINE_* give, read back from the engine itself.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { engineSettingsFromEnv, startLocal } from '../../local/index.js';

test('embedded ClickHouse runs with the memory limit, cache sizes and merge threads of MCPTAP_LOCAL_ENGINE_*', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mcptap-engine-'));
  const env = {
    MCPTAP_LOCAL_ENGINE_MEMORY_MB: '512',
    MCPTAP_LOCAL_ENGINE_CACHE_MB: '8',
    MCPTAP_LOCAL_ENGINE_MERGE_THREADS: '1',
  };
  const local = await startLocal({ dataDir, listen: '127.0.0.1:0', env, engine: engineSettingsFromEnv(env) });
  try {
    const read = async (query: string) =>
      (await local.store.client.query({ query, format: 'JSONEachRow' })).json<Record<string, string>>();
    const settings = Object.fromEntries(
      (
        await read(
          "SELECT name, value FROM system.server_settings WHERE name IN ('max_server_memory_usage', 'mark_cache_size', 'primary_index_cache_size', 'index_mark_cache_size', 'background_pool_size')",
        )
      ).map((row) => [row.name, Number(row.value)]),
    );
    const MiB = 1024 * 1024;
    assert.deepEqual(settings, {
      max_server_memory_usage: 512 * MiB,
      mark_cache_size: 8 * MiB,
      primary_index_cache_size: 8 * MiB,
      index_mark_cache_size: 8 * MiB,
      background_pool_size: 1,
    });
  } finally {
    await local.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('refuses an engine memory limit below what the engine needs, naming the variable', () => {
  assert.throws(
    () => engineSettingsFromEnv({ MCPTAP_LOCAL_ENGINE_MEMORY_MB: '16' }),
    /MCPTAP_LOCAL_ENGINE_MEMORY_MB/,
  );
});
