import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const INFRA_SCRIPT = fileURLToPath(new URL('../scripts/infra.sh', import.meta.url));

/** `mcptap infra start|stop|status [service]`: the project's infrastructure script. */
export async function main(argv: string[]): Promise<number> {
  const child = spawn('bash', [INFRA_SCRIPT, ...argv], { stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}
