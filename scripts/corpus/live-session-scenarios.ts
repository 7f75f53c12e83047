/**
 * Benign sessions with real MCP servers that work offline, for `record-live-sessions.ts`: what a
 * user asks in each turn and the calls a host would make for it. `dir` is the session's own working
 * directory (a fixed path, made afresh before each recording), where `setup` lays the user's files.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerSpec } from './server-install.js';

export interface LiveCall {
  tool: string;
  arguments: Record<string, unknown>;
}

export interface LiveTurn {
  user: string;
  calls: LiveCall[];
  /** What the model then tells the user. */
  answer: string;
}

export interface LiveSession {
  /** The transcript's name: `test/corpus/transcripts/live-<name>.jsonl`. */
  name: string;
  domain: string;
  /** The server's name in the host's MCP config. */
  server: string;
  spec: (dir: string) => ServerSpec;
  setup?: (dir: string) => void;
  turns: (dir: string) => LiveTurn[];
}

/** A repository with two commits and an edit not yet staged. */
function gitRepository(dir: string): string {
  const repo = join(dir, 'shop-api');
  mkdirSync(repo, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Dana Reyes', '-c', 'user.email=dana@example.com', ...args], {
      cwd: repo,
      stdio: 'ignore',
    });
  git('init', '--initial-branch', 'main');
  writeFileSync(join(repo, 'README.md'), '# shop-api\n\nOrders and invoices service.\n');
  writeFileSync(join(repo, 'orders.py'), 'def total(items):\n    return sum(i.price for i in items)\n');
  git('add', '.');
  git('commit', '-m', 'initial import');
  writeFileSync(
    join(repo, 'orders.py'),
    'def total(items):\n    return sum(i.price * i.quantity for i in items)\n',
  );
  git('commit', '-am', 'orders: count quantities in the total');
  writeFileSync(
    join(repo, 'README.md'),
    '# shop-api\n\nOrders and invoices service.\n\n## Setup\n\n    pip install -e .\n    make test\n',
  );
  return repo;
}

export const LIVE_SESSIONS: LiveSession[] = [
  {
    name: 'time-zones',
    domain: 'time',
    server: 'time',
    spec: () => ({ pkg: 'time-mcp' }),
    turns: () => [
      {
        user: 'What time is it in Tokyo right now? And my call is at 15:00 Berlin time on 2026-12-08, what is that in New York?',
        calls: [
          { tool: 'current_time', arguments: { timezone: 'Asia/Tokyo', format: 'YYYY-MM-DD HH:mm:ss' } },
          {
            tool: 'convert_time',
            arguments: {
              sourceTimezone: 'Europe/Berlin',
              targetTimezone: 'America/New_York',
              time: '2026-12-08 15:00:00',
            },
          },
        ],
        answer: 'Your 15:00 Berlin call is at 09:00 in New York.',
      },
      {
        user: 'How many days does February 2028 have, and which week of the year is 2028-02-29?',
        calls: [
          { tool: 'days_in_month', arguments: { date: '2028-02-01' } },
          { tool: 'get_week_year', arguments: { date: '2028-02-29' } },
        ],
        answer: 'February 2028 has 29 days; the 29th falls in week 9.',
      },
    ],
  },
  {
    name: 'git-review-commit',
    domain: 'code hosting',
    server: 'git',
    spec: (dir) => ({
      pkg: 'mcp-server-git',
      registry: 'pypi',
      args: ['--repository', join(dir, 'shop-api')],
    }),
    setup: gitRepository,
    turns: (dir) => {
      const repo = join(dir, 'shop-api');
      return [
        {
          user: 'What have I changed in shop-api since the last commit?',
          calls: [
            { tool: 'git_status', arguments: { repo_path: repo } },
            { tool: 'git_diff_unstaged', arguments: { repo_path: repo } },
          ],
          answer: 'You added a Setup section to README.md.',
        },
        {
          user: "Commit the README change with the message 'docs: describe setup', then show me the last 3 commits.",
          calls: [
            { tool: 'git_add', arguments: { repo_path: repo, files: ['README.md'] } },
            { tool: 'git_commit', arguments: { repo_path: repo, message: 'docs: describe setup' } },
            { tool: 'git_log', arguments: { repo_path: repo, max_count: 3 } },
          ],
          answer:
            'Committed. The last three commits are the docs change, the quantity fix and the initial import.',
        },
      ];
    },
  },
  {
    name: 'git-branch-history',
    domain: 'code hosting',
    server: 'git',
    spec: () => ({ pkg: '@cyanheads/git-mcp-server' }),
    setup: gitRepository,
    turns: (dir) => {
      const repo = join(dir, 'shop-api');
      return [
        {
          user: 'Open my shop-api repository and tell me its status and recent history.',
          calls: [
            { tool: 'git_set_working_dir', arguments: { path: repo } },
            { tool: 'git_status', arguments: { path: repo } },
            { tool: 'git_log', arguments: { path: repo, maxCount: 5 } },
          ],
          answer: 'Two commits on main; README.md has uncommitted edits.',
        },
        {
          user: 'Create a branch docs/setup for the README work and show me what the quantity commit changed.',
          calls: [
            { tool: 'git_branch', arguments: { path: repo, mode: 'create', branchName: 'docs/setup' } },
            { tool: 'git_show', arguments: { path: repo, object: 'HEAD' } },
          ],
          answer:
            'Branch docs/setup created. The last commit multiplies each price by its quantity in total().',
        },
      ];
    },
  },
  {
    name: 'notes-memory-bank',
    domain: 'notes',
    server: 'memory-bank',
    spec: (dir) => ({
      pkg: '@allpepper/memory-bank-mcp',
      env: { MEMORY_BANK_ROOT: join(dir, 'memory-bank') },
    }),
    setup: (dir) => mkdirSync(join(dir, 'memory-bank'), { recursive: true }),
    turns: () => [
      {
        user: "Save today's decisions for project atlas: we ship v2 on Friday, Priya owns the migration, and we drop IE11.",
        calls: [
          {
            tool: 'memory_bank_write',
            arguments: {
              projectName: 'atlas',
              fileName: 'decisions.md',
              content:
                '# Decisions 2026-12-06\n\n- Ship v2 on Friday.\n- Priya owns the database migration.\n- Drop IE11 support.\n',
            },
          },
        ],
        answer: 'Saved to atlas/decisions.md.',
      },
      {
        user: 'Which projects do I have notes for, and what did we decide for atlas?',
        calls: [
          { tool: 'list_projects', arguments: {} },
          { tool: 'list_project_files', arguments: { projectName: 'atlas' } },
          { tool: 'memory_bank_read', arguments: { projectName: 'atlas', fileName: 'decisions.md' } },
        ],
        answer:
          'Only atlas. You decided to ship v2 on Friday, Priya owns the migration, and IE11 is dropped.',
      },
    ],
  },
  {
    name: 'tasks-release-plan',
    domain: 'tasks',
    server: 'tasks',
    spec: (dir) => ({
      pkg: '@kazuph/mcp-taskmanager',
      env: { TASK_MANAGER_FILE_PATH: join(dir, 'tasks.json') },
    }),
    turns: () => [
      {
        user: 'Plan the 1.2 release for me: update the changelog, tag v1.2.0, and post the release notes.',
        calls: [
          {
            tool: 'request_planning',
            arguments: {
              originalRequest: 'Plan the 1.2 release: changelog, tag, release notes',
              tasks: [
                {
                  title: 'Update CHANGELOG.md',
                  description: 'List the fixes and features merged since 1.1.',
                },
                { title: 'Tag v1.2.0', description: 'Tag the release commit on main.' },
                { title: 'Post release notes', description: 'Publish the notes on the project page.' },
              ],
            },
          },
          { tool: 'get_next_task', arguments: { requestId: 'req-1' } },
        ],
        answer: 'Three tasks planned; the first is updating CHANGELOG.md.',
      },
      {
        user: "The changelog is done. Mark it and tell me what's next.",
        calls: [
          {
            tool: 'mark_task_done',
            arguments: {
              requestId: 'req-1',
              taskId: 'task-1',
              completedDetails: 'Changelog updated for 1.2.',
            },
          },
          { tool: 'list_requests', arguments: {} },
        ],
        answer: 'Marked done; next is tagging v1.2.0.',
      },
    ],
  },
  {
    name: 'sqlite-inventory',
    domain: 'databases',
    server: 'sqlite',
    spec: (dir) => ({
      pkg: 'mcp-server-sqlite',
      registry: 'pypi',
      requires: ['mcp<2'],
      args: ['--db-path', join(dir, 'shop.db')],
    }),
    turns: () => [
      {
        user: 'Make me a small inventory table with sku, name and stock, and add three products.',
        calls: [
          {
            tool: 'create_table',
            arguments: {
              query: 'CREATE TABLE inventory (sku TEXT PRIMARY KEY, name TEXT NOT NULL, stock INTEGER)',
            },
          },
          {
            tool: 'write_query',
            arguments: {
              query:
                "INSERT INTO inventory VALUES ('A-100', 'Desk lamp', 12), ('A-200', 'Office chair', 3), ('B-310', 'Monitor arm', 0)",
            },
          },
        ],
        answer: 'Created inventory with three products.',
      },
      {
        user: 'Which products are low on stock (under 5)?',
        calls: [
          { tool: 'list_tables', arguments: {} },
          { tool: 'describe_table', arguments: { table_name: 'inventory' } },
          {
            tool: 'read_query',
            arguments: { query: 'SELECT sku, name, stock FROM inventory WHERE stock < 5 ORDER BY stock' },
          },
        ],
        answer: 'The monitor arm is out of stock and only 3 office chairs are left.',
      },
    ],
  },
  {
    name: 'files-meeting-actions',
    domain: 'files',
    server: 'files',
    spec: (dir) => ({
      pkg: '@agent-infra/mcp-server-filesystem',
      args: ['--allowed-directories', join(dir, 'docs')],
    }),
    setup: (dir) => {
      mkdirSync(join(dir, 'docs'), { recursive: true });
      writeFileSync(
        join(dir, 'docs', 'meeting-notes.txt'),
        'Weekly sync 2026-12-04\nAttendees: Dana, Priya, Tom\n- Priya: finish the invoice export by Tuesday\n- Tom: review the on-call rota\n- Dana: book the venue for the offsite\n',
      );
      writeFileSync(join(dir, 'docs', 'budget.csv'), 'item,amount\nvenue,1200\ncatering,640\n');
    },
    turns: (dir) => {
      const docs = join(dir, 'docs');
      return [
        {
          user: 'What is in my docs folder? Read me the meeting notes.',
          calls: [
            { tool: 'list_directory', arguments: { path: docs } },
            { tool: 'read_file', arguments: { path: join(docs, 'meeting-notes.txt') } },
          ],
          answer:
            'Three action items: Priya the invoice export, Tom the on-call rota, you the offsite venue.',
        },
        {
          user: 'Write the action items to actions.md in the same folder.',
          calls: [
            {
              tool: 'write_file',
              arguments: {
                path: join(docs, 'actions.md'),
                content:
                  '# Actions\n\n- [ ] Priya: invoice export (Tue)\n- [ ] Tom: on-call rota review\n- [ ] Dana: offsite venue\n',
              },
            },
            { tool: 'search_files', arguments: { path: docs, pattern: 'actions' } },
          ],
          answer: 'Written to docs/actions.md.',
        },
      ];
    },
  },
  {
    name: 'shell-project-checks',
    domain: 'code hosting',
    server: 'commands',
    spec: () => ({ pkg: 'mcp-server-commands' }),
    setup: gitRepository,
    turns: (dir) => {
      const repo = join(dir, 'shop-api');
      return [
        {
          user: 'In shop-api, list the files and count the lines of orders.py.',
          calls: [
            { tool: 'run_command', arguments: { command: 'ls -la', workdir: repo } },
            { tool: 'run_command', arguments: { command: 'wc -l orders.py', workdir: repo } },
          ],
          answer: 'shop-api has README.md and orders.py; orders.py has 2 lines.',
        },
        {
          user: 'Show me the git log of that repo, one line per commit.',
          calls: [{ tool: 'run_command', arguments: { command: 'git log --oneline', workdir: repo } }],
          answer: 'Two commits: the quantity fix and the initial import.',
        },
      ];
    },
  },
];
