/**
 * Debian's chromium, headless, driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
 * JSON messages ending in NUL on file descriptors 3 and 4): no npm package, no port. For the
 * console's browser test and its screenshots. `bash scripts/infra.sh install chromium` installs it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CHROMIUM = process.env.MCPTAP_CHROMIUM ?? '/usr/bin/chromium';

/** Installs chromium through the project's installer when it is missing. */
export function ensureChromium(): void {
  if (process.env.MCPTAP_CHROMIUM !== undefined) return;
  const result = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'infra.sh'), 'install', 'chromium'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0)
    throw new Error(`scripts/infra.sh install chromium failed (exit ${result.status})`);
}

interface Pending {
  resolve: (value: Record<string, unknown>) => void;
  reject: (error: Error) => void;
}

export class HeadlessChromium {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private buffer = '';
  private stderr = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly userDataDir: string,
  ) {
    const output = child.stdio[4] as Readable;
    output.setEncoding('utf8');
    output.on('data', (chunk: string) => this.receive(chunk));
    child.stderr?.on(
      'data',
      (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4000)),
    );
    child.once('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`chromium exited (${code}): ${this.stderr}`));
      this.pending.clear();
    });
  }

  static async launch(): Promise<HeadlessChromium> {
    const userDataDir = mkdtempSync(join(tmpdir(), 'mcptap-chromium-'));
    // The machine reaches nothing but loopback: every background fetch of the browser is off.
    const child = spawn(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
        '--hide-scrollbars',
        '--font-render-hinting=none',
        `--user-data-dir=${userDataDir}`,
        '--remote-debugging-pipe',
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
    );
    const browser = new HeadlessChromium(child, userDataDir);
    await browser.send('Browser.getVersion');
    return browser;
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\0')) >= 0) {
      const message = JSON.parse(this.buffer.slice(0, end)) as {
        id?: number;
        result?: Record<string, unknown>;
        error?: { message: string };
      };
      this.buffer = this.buffer.slice(end + 1);
      const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
      if (waiting === undefined) continue;
      this.pending.delete(message.id!);
      if (message.error) waiting.reject(new Error(message.error.message));
      else waiting.resolve(message.result ?? {});
    }
  }

  send(method: string, params: object = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const input = this.child.stdio[3] as Writable;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      input.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    });
  }

  async newPage(width: number, height: number): Promise<BrowserPage> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const page = new BrowserPage(this, String(sessionId));
    await page.call('Page.enable');
    await page.call('Runtime.enable');
    await page.call('Emulation.setDeviceMetricsOverride', {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: false,
    });
    return page;
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    if (this.child.exitCode === null) {
      this.send('Browser.close').catch(() => undefined);
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.userDataDir, { recursive: true, force: true });
  }
}

export class BrowserPage {
  constructor(
    private readonly browser: HeadlessChromium,
    private readonly sessionId: string,
  ) {}

  call(method: string, params: object = {}): Promise<Record<string, unknown>> {
    return this.browser.send(method, params, this.sessionId);
  }

  /** Evaluates an expression in the page (awaiting a promise) and returns its JSON value. */
  async evaluate<T>(expression: string): Promise<T> {
    const answer = (await this.call('Runtime.evaluate', {
      expression,
      returnByValue: true,
      awaitPromise: true,
    })) as {
      result: { value?: T };
      exceptionDetails?: { exception?: { description?: string }; text: string };
    };
    if (answer.exceptionDetails) {
      throw new Error(
        `in the page: ${answer.exceptionDetails.exception?.description ?? answer.exceptionDetails.text}`,
      );
    }
    return answer.result.value as T;
  }

  /** Loads `url` and waits until the console has rendered the route (body[data-ready] = its path). */
  async open(url: string, timeoutMs = 30_000): Promise<void> {
    await this.evaluate('delete document.body?.dataset.ready');
    await this.call('Page.navigate', { url });
    const path = new URL(url).hash.replace(/^#/, '').split('?')[0] || '/sessions';
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ready = await this.evaluate<string | null>(
        `document.readyState === 'complete' ? (document.body.dataset.ready ?? null) : null`,
      ).catch(() => null);
      if (ready === decodeURIComponent(path) || ready === path) return;
      if (Date.now() > deadline)
        throw new Error(`${url} did not render within ${timeoutMs} ms (ready=${ready})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** A PNG of the page, beyond the viewport down to `maxHeight` CSS pixels. */
  async screenshot(path: string, maxHeight = 10_000): Promise<void> {
    const metrics = (await this.call('Page.getLayoutMetrics')) as {
      cssContentSize: { width: number; height: number };
    };
    const { data } = await this.call('Page.captureScreenshot', {
      format: 'png',
      captureBeyondViewport: true,
      clip: {
        x: 0,
        y: 0,
        width: Math.ceil(metrics.cssContentSize.width),
        height: Math.min(maxHeight, Math.ceil(metrics.cssContentSize.height)),
        scale: 1,
      },
    });
    writeFileSync(path, Buffer.from(String(data), 'base64'));
  }
}
