/**
 * Captures the catalogs of real MCP servers from npm and PyPI as benign evaluation data
 * (`test/corpus/real-servers/`, read by `bench/eval-corpus.ts`): installs each package into a
 * temporary directory outside the repository (an npm prefix, or a Python virtual environment per
 * PyPI package), starts it over stdio with the MCP SDK client with dummy credentials and no network
 * use of ours, and records `initialize` instructions, `tools/list`, `prompts/list` and
 * `resources/list` with package@version, registry and date. Packages kept for independent evaluation
 * (`shared/corpora/holdout-exclude.txt`) are refused.
 *
 * Usage: node --import tsx scripts/harvest-catalogs.ts [PACKAGE ...]   (default: the list below)
 *   PACKAGE is an npm name or `pypi:NAME`; PyPI packages need `python3` (3.10+) with venv and pip.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { errorMessage } from '../model/index.js';
import { installServer, type Installed, type Registry, type ServerSpec } from './corpus/server-install.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(repo, 'test', 'corpus', 'real-servers');
const EXCLUDE = join(repo, '..', 'shared', 'corpora', 'holdout-exclude.txt');
const START_TIMEOUT_MS = 30_000;
const STDERR_HEAD_CHARS = 400;

// Servers that list their catalog without reaching their service (each captured on 2026-12-06);
// env values and arguments are dummies.
const DUMMY = 'harvest-dummy-not-a-secret';
// A service URL nothing answers at: a closed port on the loopback interface.
const NOWHERE = 'http://127.0.0.1:1';
// Packages not listed here start with this generic set of dummy credentials.
const GENERIC_ENV: Record<string, string> = {
  API_KEY: DUMMY,
  API_TOKEN: DUMMY,
  ACCESS_TOKEN: DUMMY,
};
// Region and keys that AWS servers read at start; nothing of AWS is reached.
const AWS_ENV: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: DUMMY,
  AWS_SECRET_ACCESS_KEY: DUMMY,
};
const SERVERS: ServerSpec[] = [
  { pkg: '@zereight/mcp-gitlab', env: { GITLAB_PERSONAL_ACCESS_TOKEN: DUMMY } },
  {
    pkg: '@aashari/mcp-server-atlassian-jira',
    env: {
      ATLASSIAN_SITE_NAME: 'example',
      ATLASSIAN_USER_EMAIL: 'a@example.com',
      ATLASSIAN_API_TOKEN: DUMMY,
    },
  },
  { pkg: '@perplexity-ai/mcp-server', env: { PERPLEXITY_API_KEY: DUMMY } },
  { pkg: '@launchdarkly/mcp-server', args: ['start', '--api-key', DUMMY] },
  { pkg: 'airtable-mcp-server', env: { AIRTABLE_API_KEY: DUMMY } },
  { pkg: '@mapbox/mcp-server', env: { MAPBOX_ACCESS_TOKEN: DUMMY } },
  { pkg: '@cyanheads/git-mcp-server' },
  { pkg: '@pinecone-database/mcp' },
  { pkg: '@elastic/mcp-server-elasticsearch', env: { ES_URL: 'http://127.0.0.1:1', ES_API_KEY: DUMMY } },
  { pkg: '@kazuph/mcp-taskmanager' },
  { pkg: 'mcp-server-code-runner' },
  {
    pkg: '@tiberriver256/mcp-server-azure-devops',
    env: {
      AZURE_DEVOPS_ORG_URL: 'https://dev.azure.com/example',
      AZURE_DEVOPS_AUTH_METHOD: 'pat',
      AZURE_DEVOPS_PAT: DUMMY,
    },
  },
  { pkg: '@translated/lara-mcp', env: { LARA_ACCESS_KEY_ID: DUMMY, LARA_ACCESS_KEY_SECRET: DUMMY } },
  { pkg: '@agentdeskai/browser-tools-mcp' },
  { pkg: 'todoist-mcp', env: { API_KEY: DUMMY, TODOIST_API_KEY: DUMMY } },
  { pkg: '@neondatabase/mcp-server-neon', args: ['start', DUMMY] },
  {
    pkg: '@modelcontextprotocol/server-aws-kb-retrieval',
    env: { AWS_ACCESS_KEY_ID: DUMMY, AWS_SECRET_ACCESS_KEY: DUMMY, AWS_REGION: 'us-east-1' },
  },
  { pkg: 'mcp-obsidian', args: [tmpdir()] },
  { pkg: 'nx-mcp' },
  { pkg: 'next-devtools-mcp' },
  { pkg: '@eslint/mcp' },
  { pkg: '@mastra/mcp-docs-server' },
  { pkg: '@winor30/mcp-server-datadog', env: { DATADOG_API_KEY: DUMMY, DATADOG_APP_KEY: DUMMY } },
  { pkg: 'n8n-mcp' },
  { pkg: '@shortcut/mcp', env: { SHORTCUT_API_TOKEN: DUMMY } },
  { pkg: '@drawio/mcp' },
  { pkg: '@currents/mcp', env: { CURRENTS_API_KEY: DUMMY } },
  { pkg: '@softeria/ms-365-mcp-server' },
  { pkg: '@mondaydotcomorg/monday-api-mcp', args: ['-t', DUMMY] },
  {
    pkg: 'argocd-mcp',
    args: ['stdio'],
    env: { ARGOCD_BASE_URL: 'https://example.invalid', ARGOCD_API_TOKEN: DUMMY },
  },
  { pkg: '@openbnb/mcp-server-airbnb', args: ['--ignore-robots-txt'] },
  { pkg: '@roychri/mcp-server-asana', env: { ASANA_ACCESS_TOKEN: DUMMY } },
  { pkg: '@postman/postman-mcp-server', env: { POSTMAN_API_KEY: DUMMY } },
  { pkg: 'fetcher-mcp' },
  { pkg: '@mui/mcp' },
  { pkg: '@brightdata/mcp', env: { API_TOKEN: DUMMY } },
  { pkg: '@instantdb/mcp', args: ['--token', DUMMY] },
  { pkg: '@mobilenext/mobile-mcp' },
  { pkg: '@browsermcp/mcp' },
  { pkg: '@z_ai/mcp-server', env: { Z_AI_API_KEY: DUMMY } },
  { pkg: '@amap/amap-maps-mcp-server', env: { AMAP_MAPS_API_KEY: DUMMY } },
  { pkg: '@google-cloud/gcloud-mcp' },
  { pkg: '@google-cloud/cloud-run-mcp' },
  { pkg: 'backlog-mcp-server', env: { BACKLOG_DOMAIN: 'example.backlog.com', BACKLOG_API_KEY: DUMMY } },
  { pkg: '@larksuiteoapi/lark-mcp', args: ['mcp', '-a', 'cli_dummy', '-s', DUMMY] },
  { pkg: '@google-cloud/observability-mcp' },
  { pkg: '@piotr-agier/google-drive-mcp' },
  { pkg: '@morphllm/morphmcp', env: { MORPH_API_KEY: DUMMY } },
  // Captured on 2026-12-06 with the generic dummy credentials.
  { pkg: '@agent-infra/mcp-server-browser', env: GENERIC_ENV },
  { pkg: '@allpepper/memory-bank-mcp', env: GENERIC_ENV },
  { pkg: '@angiejones/mcp-selenium', env: GENERIC_ENV },
  { pkg: '@automatalabs/mcp-server-playwright', env: GENERIC_ENV },
  { pkg: '@cloudbase/cloudbase-mcp', env: GENERIC_ENV },
  { pkg: '@coinbase/cds-mcp-server', env: GENERIC_ENV },
  { pkg: '@cyanheads/pubmed-mcp-server', env: GENERIC_ENV },
  { pkg: '@dangahagan/weather-mcp', env: GENERIC_ENV },
  { pkg: '@dguido/google-workspace-mcp', env: GENERIC_ENV },
  { pkg: '@f4ww4z/mcp-mysql-server', env: GENERIC_ENV },
  { pkg: '@floriscornel/teams-mcp', env: GENERIC_ENV },
  { pkg: '@gongrzhe/server-travelplanner-mcp', env: GENERIC_ENV },
  { pkg: '@google-cloud/storage-mcp', env: GENERIC_ENV },
  { pkg: '@googlemaps/code-assist-mcp', env: GENERIC_ENV },
  { pkg: '@henkey/postgres-mcp-server', env: GENERIC_ENV },
  { pkg: '@heroui/react-mcp', env: GENERIC_ENV },
  { pkg: '@hisma/server-puppeteer', env: GENERIC_ENV },
  { pkg: '@hugeicons/mcp-server', env: GENERIC_ENV },
  { pkg: '@isaacphi/mcp-gdrive', env: GENERIC_ENV },
  { pkg: '@jpisnice/shadcn-ui-mcp-server', env: GENERIC_ENV },
  { pkg: '@kazuph/mcp-fetch', env: GENERIC_ENV },
  { pkg: '@kimsungwhee/apple-docs-mcp', env: GENERIC_ENV },
  { pkg: '@kkweon/agent-orchestrator-mcp', env: GENERIC_ENV },
  { pkg: '@knip/mcp', env: GENERIC_ENV },
  { pkg: '@kubb/mcp', env: GENERIC_ENV },
  { pkg: '@makeplane/plane-mcp-server', env: GENERIC_ENV },
  { pkg: '@mastergo/magic-mcp', env: GENERIC_ENV },
  { pkg: '@mcpfun/mcp-server-ccxt', env: GENERIC_ENV },
  { pkg: '@microsoft/clarity-mcp-server', env: GENERIC_ENV },
  { pkg: '@negokaz/excel-mcp-server', env: GENERIC_ENV },
  { pkg: '@next-ai-drawio/mcp-server', env: GENERIC_ENV },
  { pkg: '@ng-primitives/mcp', env: GENERIC_ENV },
  { pkg: '@openai/codex-shell-tool-mcp', env: GENERIC_ENV },
  { pkg: '@primevue/mcp', env: GENERIC_ENV },
  { pkg: '@progress/kendo-angular-mcp', env: GENERIC_ENV },
  { pkg: '@react-aria/mcp', env: GENERIC_ENV },
  { pkg: '@remotion/mcp', env: GENERIC_ENV },
  { pkg: '@shiplightai/mcp', env: GENERIC_ENV },
  { pkg: '@steipete/claude-code-mcp', env: GENERIC_ENV },
  { pkg: '@sylphx/pdf-reader-mcp', env: GENERIC_ENV },
  { pkg: '@testsprite/testsprite-mcp', env: GENERIC_ENV },
  { pkg: '@variflight-ai/variflight-mcp', env: GENERIC_ENV },
  { pkg: '@vuetify/mcp', env: GENERIC_ENV },
  { pkg: 'ag-mcp', env: GENERIC_ENV },
  { pkg: 'computer-use-mcp', env: GENERIC_ENV },
  { pkg: 'european-parliament-mcp-server', env: GENERIC_ENV },
  { pkg: 'figma-console-mcp', env: GENERIC_ENV },
  { pkg: 'figma-mcp', env: GENERIC_ENV },
  { pkg: 'flightradar-mcp-server', env: GENERIC_ENV },
  { pkg: 'hostinger-api-mcp', env: GENERIC_ENV },
  { pkg: 'howtocook-mcp', env: GENERIC_ENV },
  { pkg: 'ios-simulator-mcp', env: GENERIC_ENV },
  { pkg: 'jina-mcp-tools', env: GENERIC_ENV },
  { pkg: 'linear-mcp', env: GENERIC_ENV },
  { pkg: 'mcp-deepwiki', env: GENERIC_ENV },
  { pkg: 'mcp-discord', env: GENERIC_ENV },
  { pkg: 'mcp-graphql', env: GENERIC_ENV },
  { pkg: 'mcp-image', env: GENERIC_ENV },
  { pkg: 'mcp-local-rag', env: GENERIC_ENV },
  { pkg: 'mcp-mermaid', env: GENERIC_ENV },
  { pkg: 'mcp-postgres-server', env: GENERIC_ENV },
  { pkg: 'mcp-searxng', env: GENERIC_ENV },
  { pkg: 'mcp-server-commands', env: GENERIC_ENV },
  { pkg: 'mcpcosmosdb', env: GENERIC_ENV },
  { pkg: 'puppeteer-mcp-server', env: GENERIC_ENV },
  { pkg: 'react-native-ai-debugger', env: GENERIC_ENV },
  { pkg: 'reddit-mcp-buddy', env: GENERIC_ENV },
  { pkg: 'ref-tools-mcp', env: GENERIC_ENV },
  { pkg: 'robloxstudio-mcp', env: GENERIC_ENV },
  { pkg: 'shadcn-ui-mcp-server', env: GENERIC_ENV },
  { pkg: 'sonarqube-mcp-server', env: GENERIC_ENV },
  { pkg: 'tailwindcss-mcp-server', env: GENERIC_ENV },
  { pkg: 'time-mcp', env: GENERIC_ENV },
  { pkg: 'universal-db-mcp', env: GENERIC_ENV },
  { pkg: '@aashari/mcp-server-atlassian-bitbucket', env: GENERIC_ENV },
  { pkg: '@gleanwork/local-mcp-server', env: GENERIC_ENV },
  { pkg: '@hypothesi/tauri-mcp-server', env: GENERIC_ENV },
  { pkg: '@shopify/dev-mcp', env: GENERIC_ENV },
  { pkg: 'dataforseo-mcp-server', env: GENERIC_ENV },
  { pkg: 'drawio-mcp-server', env: GENERIC_ENV },
  { pkg: 'gemini-mcp-tool', env: GENERIC_ENV },
  { pkg: 'mcp-fetch-server', env: GENERIC_ENV },
  { pkg: 'mcp-hello-world', env: GENERIC_ENV },
  { pkg: 'ssh-mcp', env: GENERIC_ENV },
  // Captured on 2026-12-06 with the settings each asks for; URLs point at a closed loopback port.
  { pkg: '@agent-infra/mcp-server-filesystem', args: ['--allowed-directories', tmpdir()] },
  { pkg: '@skanda-yutori/mcp-send-email', env: { RESEND_API_KEY: DUMMY } },
  {
    pkg: '@nexus2520/bitbucket-mcp-server',
    env: { BITBUCKET_USERNAME: 'harvest', BITBUCKET_APP_PASSWORD: DUMMY },
  },
  {
    pkg: '@nexus2520/jira-mcp-server',
    env: { JIRA_EMAIL: 'a@example.com', JIRA_API_TOKEN: DUMMY, JIRA_BASE_URL: NOWHERE },
  },
  { pkg: '@line/line-bot-mcp-server', env: { CHANNEL_ACCESS_TOKEN: DUMMY, DESTINATION_USER_ID: 'U0' } },
  { pkg: '@codacy/codacy-mcp', env: { CODACY_ACCOUNT_TOKEN: DUMMY } },
  { pkg: 'serper-search-scrape-mcp-server', env: { SERPER_API_KEY: DUMMY } },
  {
    pkg: '@delorenj/mcp-server-trello',
    env: { TRELLO_API_KEY: DUMMY, TRELLO_TOKEN: DUMMY, TRELLO_BOARD_ID: 'board' },
  },
  { pkg: '@masonator/coolify-mcp', env: { COOLIFY_BASE_URL: NOWHERE, COOLIFY_ACCESS_TOKEN: DUMMY } },
  { pkg: '@cognitionai/metabase-mcp-server', env: { METABASE_URL: NOWHERE, METABASE_API_KEY: DUMMY } },
  {
    pkg: 'bitbucket-mcp',
    env: {
      BITBUCKET_URL: NOWHERE,
      BITBUCKET_USERNAME: 'harvest',
      BITBUCKET_PASSWORD: DUMMY,
      BITBUCKET_TOKEN: DUMMY,
    },
  },
  { pkg: '@tacticlaunch/mcp-linear', env: { LINEAR_API_TOKEN: DUMMY } },
  {
    pkg: '@browserstack/mcp-server',
    env: { BROWSERSTACK_USERNAME: 'harvest', BROWSERSTACK_ACCESS_KEY: DUMMY },
  },
  { pkg: '@ergut/mcp-bigquery-server', args: ['--project-id', 'example-project'] },
  { pkg: '@azure/mcp', args: ['server', 'start'] },
  { pkg: 'replicate-mcp', env: { REPLICATE_API_TOKEN: DUMMY } },
  // Captured on 2026-12-06 with the settings each asks for (second fresh batch).
  { pkg: '@vapi-ai/mcp-server', env: { VAPI_TOKEN: DUMMY } },
  { pkg: '@modelcontextprotocol/server-everart', env: { EVERART_API_KEY: DUMMY } },
  { pkg: 'typescript-mcp', env: GENERIC_ENV },
  // PyPI, captured on 2026-12-06.
  { pkg: 'mcp-server-time', registry: 'pypi', env: GENERIC_ENV },
  { pkg: 'mcp-server-git', registry: 'pypi', env: GENERIC_ENV },
  { pkg: 'mcp-server-fetch', registry: 'pypi', env: GENERIC_ENV },
  { pkg: 'awslabs-aws-documentation-mcp-server', registry: 'pypi', env: GENERIC_ENV },
  { pkg: 'office-word-mcp-server', registry: 'pypi', env: GENERIC_ENV },
  { pkg: 'duckduckgo-mcp-server', registry: 'pypi', env: GENERIC_ENV },
  { pkg: 'markitdown-mcp', registry: 'pypi', env: GENERIC_ENV },
  { pkg: 'mcp-yahoo-finance', registry: 'pypi', env: GENERIC_ENV },
  {
    pkg: 'mcp-clickhouse',
    registry: 'pypi',
    env: {
      CLICKHOUSE_HOST: '127.0.0.1',
      CLICKHOUSE_PORT: '1',
      CLICKHOUSE_USER: 'harvest',
      CLICKHOUSE_PASSWORD: DUMMY,
    },
  },
  {
    pkg: 'mysql-mcp-server',
    registry: 'pypi',
    env: {
      MYSQL_HOST: '127.0.0.1',
      MYSQL_PORT: '1',
      MYSQL_USER: 'harvest',
      MYSQL_PASSWORD: DUMMY,
      MYSQL_DATABASE: 'shop',
    },
  },
  { pkg: 'mcp-grafana', registry: 'pypi', env: { GRAFANA_URL: NOWHERE, GRAFANA_API_KEY: DUMMY } },
  {
    pkg: 'mfa-servicenow-mcp',
    registry: 'pypi',
    env: { SERVICENOW_INSTANCE_URL: NOWHERE, SERVICENOW_USERNAME: 'harvest', SERVICENOW_PASSWORD: DUMMY },
  },
  { pkg: 'analytics-mcp', registry: 'pypi', env: GENERIC_ENV },
  {
    pkg: 'mcp-server-sqlite',
    registry: 'pypi',
    args: ['--db-path', join(tmpdir(), 'harvest.db')],
    requires: ['mcp<2'],
  },
  {
    pkg: 'mcp-atlassian',
    registry: 'pypi',
    env: {
      JIRA_URL: NOWHERE,
      JIRA_USERNAME: 'a@example.com',
      JIRA_API_TOKEN: DUMMY,
      CONFLUENCE_URL: NOWHERE,
      CONFLUENCE_USERNAME: 'a@example.com',
      CONFLUENCE_API_TOKEN: DUMMY,
    },
  },
  { pkg: 'elevenlabs-mcp', registry: 'pypi', env: { ELEVENLABS_API_KEY: DUMMY } },
  { pkg: 'mcp-shell-server', registry: 'pypi', env: GENERIC_ENV },
  ...['mcp-text-editor', 'mcp-server-tree-sitter'].map((pkg): ServerSpec => ({
    pkg,
    registry: 'pypi',
    requires: ['mcp<2'],
  })),
  ...[
    'awslabs-aws-location-mcp-server',
    'awslabs-memcached-mcp-server',
    'awslabs-billing-cost-management-mcp-server',
    'awslabs-aws-pricing-mcp-server',
    'awslabs-aws-dataprocessing-mcp-server',
    'awslabs-redshift-mcp-server',
    'awslabs-iam-mcp-server',
    'awslabs-cloudtrail-mcp-server',
  ].map((pkg): ServerSpec => ({ pkg, registry: 'pypi', env: AWS_ENV })),
];

function excluded(): Set<string> {
  return new Set(
    readFileSync(EXCLUDE, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#')),
  );
}

/** `pypi__NAME.json` for PyPI; an npm name with its scope's `@` dropped and `/` as `__`. */
function catalogFile(spec: ServerSpec): string {
  const name = spec.pkg.replace(/^@/, '').replace(/\//g, '__');
  return `${spec.registry === 'pypi' ? 'pypi__' : ''}${name}.json`;
}

async function capture(
  prefix: string,
  spec: ServerSpec,
  installed: Installed,
): Promise<Record<string, unknown>> {
  const transport = new StdioClientTransport({
    command: installed.command,
    args: [...installed.args, ...(spec.args ?? [])],
    env: { PATH: process.env.PATH ?? '', HOME: prefix, ...spec.env },
    stderr: 'pipe',
  });
  // The start of what the server said on stderr tells why it would not start (a missing argument
  // or setting, before any stack trace); it goes into the skip message.
  let stderrHead = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderrHead = (stderrHead + chunk.toString('utf8')).slice(0, STDERR_HEAD_CHARS);
  });
  const client = new Client({ name: 'mcptap-harvest', version: '1.0.0' });
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`no catalog within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS).unref(),
  );
  try {
    await Promise.race([client.connect(transport), timeout]);
    const caps = client.getServerCapabilities() ?? {};
    const tools = caps.tools ? (await Promise.race([client.listTools(), timeout])).tools : [];
    const prompts = caps.prompts ? (await Promise.race([client.listPrompts(), timeout])).prompts : [];
    const resources = caps.resources
      ? (await Promise.race([client.listResources(), timeout]).catch(() => ({ resources: [] }))).resources
      : [];
    // A server that lists nothing without its service's settings has not shown its real catalog.
    if (tools.length + prompts.length + resources.length === 0) throw new Error('it listed nothing');
    return {
      package: `${spec.pkg}@${installed.version}`,
      registry: spec.registry ?? 'npm',
      harvested: new Date().toISOString().slice(0, 10),
      how: 'tools/list, prompts/list, resources/list over stdio with the MCP SDK client, dummy credentials',
      started: {
        args: spec.args ?? [],
        env: Object.keys(spec.env ?? {}).sort(),
        ...(spec.requires === undefined ? {} : { requires: spec.requires }),
      },
      instructions: client.getInstructions() ?? '',
      tools,
      prompts,
      resources,
    };
  } catch (error) {
    const said = stderrHead.trim().replace(/\s+/g, ' ');
    throw new Error(`${errorMessage(error)}${said === '' ? '' : `; the server said: ${said}`}`);
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** `pypi:NAME` names a PyPI package; any other name an npm one. */
function specOf(name: string): ServerSpec {
  const registry: Registry = name.startsWith('pypi:') ? 'pypi' : 'npm';
  const pkg = name.replace(/^pypi:/, '');
  return (
    SERVERS.find((s) => s.pkg === pkg && (s.registry ?? 'npm') === registry) ?? {
      pkg,
      registry,
      env: GENERIC_ENV,
    }
  );
}

const wanted = process.argv.slice(2);
const specs = wanted.length > 0 ? wanted.map(specOf) : SERVERS;
const refused = excluded();
const prefix = mkdtempSync(join(tmpdir(), 'mcptap-harvest-'));
try {
  const allowed = specs.filter((spec) => {
    if (!refused.has(spec.pkg)) return true;
    console.error(`skip ${spec.pkg}: kept for independent evaluation (holdout-exclude.txt)`);
    return false;
  });
  for (const spec of allowed) {
    try {
      const catalog = await capture(prefix, spec, installServer(prefix, spec));
      const file = catalogFile(spec);
      writeFileSync(join(OUT, file), `${JSON.stringify(catalog, null, 2)}\n`);
      console.log(`${catalog.package}: ${(catalog.tools as unknown[]).length} tools → ${file}`);
    } catch (error) {
      console.error(`skip ${spec.pkg}: ${errorMessage(error)}`);
    }
  }
} finally {
  rmSync(prefix, { recursive: true, force: true });
}
