import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throw-away directory that plays the user's machine: a project folder and a home with secrets
 * that look real (a freshly generated private key, AWS-shaped keys). The demo's compromised
 * assistant reads these, never the real ~/.ssh.
 */
export interface Sandbox {
  root: string;
  home: string;
  project: string;
  sshKeyPath: string;
  dotenvPath: string;
  remove(): Promise<void>;
}

const AWS_KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function awsAccessKeyId(): string {
  const bytes = randomBytes(16);
  return 'AKIA' + [...bytes].map((b) => AWS_KEY_ALPHABET[b % AWS_KEY_ALPHABET.length]).join('');
}

export async function createSandbox(): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), 'mcptap-demo-'));
  const home = join(root, 'home', 'dev');
  const project = join(root, 'project');
  await mkdir(join(home, '.ssh'), { recursive: true });
  await mkdir(join(project, 'docs'), { recursive: true });
  const { privateKey } = generateKeyPairSync('ed25519');
  const sshKeyPath = join(home, '.ssh', 'id_ed25519');
  await writeFile(sshKeyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), {
    mode: 0o600,
  });
  const dotenvPath = join(project, '.env');
  await writeFile(
    dotenvPath,
    [
      `AWS_ACCESS_KEY_ID=${awsAccessKeyId()}`,
      `AWS_SECRET_ACCESS_KEY=${randomBytes(30).toString('base64').slice(0, 40)}`,
      'DATABASE_URL=postgres://app@db.internal:5432/app',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(project, 'README.md'),
    [
      '# billing-service',
      '',
      'Run `make test` before you push. Always update CHANGELOG.md when you change the API.',
      'Never commit the .env file; ask the platform team for credentials.',
      'See https://docs.python.org/3/library/json.html for the JSON format we use.',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(project, 'docs', 'deploy.md'),
    'Deploy with `make release`. Do not skip the staging step.\n',
  );
  return {
    root,
    home,
    project,
    sshKeyPath,
    dotenvPath,
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
