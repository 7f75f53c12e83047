import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../platform/index.js';
import {
  grafanaTenantProvisioning,
  parseTenantReaders,
  STORE_TABLES,
  storageSettingsFromEnv,
  tenantReaderStatements,
} from '../../../storage/index.js';

const REPO = join(import.meta.dirname, '..', '..', '..');

/** The readers the committed example provisioning files are generated from. */
const EXAMPLE_READERS = 'acme:acme_reader:x,globex:globex_reader:x,globex:globex_audit:x';

describe('tenant readers from the environment', () => {
  it("reads 'tenant:user:password' entries; a password may hold colons, a file's line commas", () => {
    assert.deepEqual(
      parseTenantReaders(' acme:acme_reader:p:w , # note\n globex.eu:g_1:q ', 'ENV', /[\n,]/),
      [
        { tenant: 'acme', username: 'acme_reader', password: 'p:w' },
        { tenant: 'globex.eu', username: 'g_1', password: 'q' },
      ],
    );
    assert.deepEqual(parseTenantReaders('# readers\nacme:a:p,w\n\n', 'FILE', /\n/), [
      { tenant: 'acme', username: 'a', password: 'p,w' },
    ]);
  });

  it('refuses a malformed entry, naming it by number and never repeating a password', () => {
    const cases: Array<[string, RegExp]> = [
      ['acme:acme reader:s3cret-one', /entry 1: .*user 'acme reader' is not a plain identifier/],
      ['ok:u:x,acme/eu:u2:s3cret-one', /entry 2: .*tenant 'acme\/eu'/],
      ['acme:u:', /user 'u' has no password/],
      ['acme:u:s3cret-one,b:u:s3cret-one', /user 'u' is given twice/],
    ];
    for (const [text, expected] of cases) {
      assert.throws(
        () => parseTenantReaders(text, 'MCPTAP_CLICKHOUSE_TENANT_READERS', /[\n,]/),
        (error: Error) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, expected);
          assert.doesNotMatch(error.message, /s3cret/);
          return true;
        },
      );
    }
  });

  it('refuses a tenant reader named as the writer or the all-tenant reader', () => {
    assert.throws(
      () => storageSettingsFromEnv({ MCPTAP_CLICKHOUSE_TENANT_READERS: 'acme:mcptap_reader:x' }),
      /also MCPTAP_CLICKHOUSE_USER or MCPTAP_CLICKHOUSE_READER_USER/,
    );
    assert.deepEqual(storageSettingsFromEnv({}).tenantReaders, []);
  });
});

describe('tenant reader statements', () => {
  const statements = tenantReaderStatements('mcptap', {
    tenant: 'acme',
    username: 'acme_reader',
    password: "it's",
  });

  it('grant SELECT on every mcptap table and nothing else, each behind a row policy of the tenant', () => {
    for (const table of STORE_TABLES) {
      assert.ok(statements.includes(`GRANT SELECT ON mcptap.${table} TO acme_reader`), table);
      assert.ok(
        statements.includes(
          `CREATE ROW POLICY OR REPLACE mcptap_tenant_acme_reader ON mcptap.${table} FOR SELECT USING tenant = 'acme' TO acme_reader`,
        ),
        table,
      );
    }
    assert.equal(statements.filter((s) => s.startsWith('GRANT')).length, STORE_TABLES.length);
    assert.ok(statements.every((s) => !/GRANT (ALL|INSERT|ALTER)|\*/.test(s)));
  });

  it('set the password as a literal, escaped, and reset it on every run', () => {
    assert.equal(
      statements[0],
      "CREATE USER IF NOT EXISTS acme_reader IDENTIFIED WITH sha256_password BY 'it\\'s'",
    );
    assert.equal(statements[1], "ALTER USER acme_reader IDENTIFIED WITH sha256_password BY 'it\\'s'");
  });
});

describe('Grafana provisioning for tenant readers', () => {
  const { tenantReaders } = storageSettingsFromEnv({ MCPTAP_CLICKHOUSE_TENANT_READERS: EXAMPLE_READERS });
  const files = grafanaTenantProvisioning('mcptap', tenantReaders);

  it('gives each tenant an organization with the dashboards and the mcptap data source as its first reader', () => {
    const datasources = files['datasources/mcptap-tenants.yaml']!;
    assert.equal(datasources.match(/uid: mcptap-clickhouse$/gm)?.length, 2);
    assert.match(datasources, /orgId: 2\n(.*\n)*? {6}username: acme_reader\n/);
    assert.match(datasources, /orgId: 3\n(.*\n)*? {6}username: globex_reader\n/);
    assert.doesNotMatch(datasources, /globex_audit\n/);
    assert.match(datasources, /password: \$\{MCPTAP_CLICKHOUSE_PASSWORD_ACME_READER\}/);
    const dashboards = files['dashboards/mcptap-tenants.yaml']!;
    assert.deepEqual(dashboards.match(/orgId: \d+/g), ['orgId: 2', 'orgId: 3']);
  });

  it('matches the committed examples beside the single-tenant files', () => {
    for (const [path, text] of Object.entries(files)) {
      const committed = readFileSync(join(REPO, 'deploy/grafana/provisioning', `${path}.example`), 'utf8');
      assert.equal(
        committed,
        text,
        `${path}.example: regenerate it from EXAMPLE_READERS (mcptap migrate --grafana-tenants)`,
      );
    }
  });
});
