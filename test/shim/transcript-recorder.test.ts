// `--record FILE`: the transcript is written private (0600, its new directory 0700, an existing file
// chmod-ed), with secrets masked unless asked for raw; `mcptap replay` (the real command) of the
// masked transcript raises the same secret alerts, with the same fingerprints, as of the raw one.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { defaultRules, replayTranscript } from '../../detectors/index.js';
import { parseTranscriptLine } from '../../extract/index.js';
import type { Alert } from '../../model/index.js';
import { findSecrets } from '../../secrets/index.js';
import { createTranscriptRecorder } from '../../shim/proxy/transcript-recorder.js';
import { MCPTAP_BIN, REPO_ROOT } from './support.js';

const CORPUS = join(REPO_ROOT, 'test', 'corpus', 'transcripts');
/** Transcripts whose traffic holds secrets (plain, URL-encoded, base64) and raises the secret alerts. */
const WITH_SECRETS = ['secret-egress-webhook.jsonl', 'seed-poisoned-organize-files.jsonl'];
const SECRET_RULES = new Set(['secret_egress', 'exfil_chain']);

const mode = (path: string) => statSync(path).mode & 0o777;

async function record(path: string, text: string, unmasked = false): Promise<void> {
  const recorder = createTranscriptRecorder(path, { unmasked });
  for (const line of text.trimEnd().split('\n')) recorder.write(parseTranscriptLine(line));
  await recorder.close();
  assert.equal(recorder.dropped(), 0);
}

/**
 * What the secret alerts say, sorted. Replay derives event ids from the transcript's digest, so an
 * exfil_chain alert (keyed by its read event) is compared without that id; secret_egress is keyed by
 * the secret's fingerprint, which the mask keeps.
 */
const secretAlerts = (alerts: ReadonlyArray<Pick<Alert, 'rule' | 'fingerprint' | 'summary' | 'details'>>) =>
  alerts
    .filter((alert) => SECRET_RULES.has(alert.rule))
    .map(({ rule, fingerprint, summary, details }) => {
      const { read_event: _readEvent, ...rest } = details;
      return rule === 'exfil_chain'
        ? { rule, summary, details: rest }
        : { rule, fingerprint, summary, details };
    })
    .sort((a, b) => `${a.rule} ${a.summary}`.localeCompare(`${b.rule} ${b.summary}`));

describe('transcript recorder (--record)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcptap-record-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const raw = WITH_SECRETS.map((file) => readFileSync(join(CORPUS, file), 'utf8').trimEnd()).join('\n');
  /** The secrets as they appear in the raw transcript (URL-encoded and base64 runs included). */
  const planted = findSecrets(raw).map((match) => raw.slice(match.start, match.end));

  it('creates a private file in a private new directory, with every secret masked', async () => {
    const path = join(dir, 'new', 'nested', 'session.jsonl');
    await record(path, raw);
    assert.equal(mode(path), 0o600);
    assert.equal(mode(join(dir, 'new', 'nested')), 0o700);
    const written = readFileSync(path, 'utf8');
    assert.ok(planted.length >= 3, `secrets in the corpus: ${planted.length}`);
    for (const secret of planted)
      assert.ok(!written.includes(secret), `raw secret in the transcript: ${secret}`);
    assert.match(written, /\[SECRET:[a-z0-9_]+:[0-9a-f]{8}(?::[a-z0-9_]+)?\]/);
    assert.equal(written.trimEnd().split('\n').length, raw.split('\n').length);
  });

  it('makes an existing file private before appending to it', async () => {
    const path = join(dir, 'existing.jsonl');
    writeFileSync(path, '');
    chmodSync(path, 0o644);
    await record(path, raw);
    assert.equal(mode(path), 0o600);
  });

  it('writes secrets raw with --record-unmasked', async () => {
    const path = join(dir, 'raw.jsonl');
    await record(path, raw, true);
    const written = readFileSync(path, 'utf8');
    for (const secret of planted) assert.ok(written.includes(secret), secret);
  });

  it('mcptap proxy refuses --record-unmasked without --record, and a --record file it cannot open, with the reason', async () => {
    const proxy = (...args: string[]) =>
      promisify(execFile)(process.execPath, [MCPTAP_BIN, 'proxy', '--name', 'x', ...args, '--', 'true'], {
        cwd: REPO_ROOT,
      }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => error,
      );
    const lone = await proxy('--record-unmasked');
    assert.equal(lone.code, 2);
    assert.match(lone.stderr, /--record-unmasked needs --record FILE/);
    const blocked = join(dir, 'a-file');
    writeFileSync(blocked, '');
    const unopenable = await proxy('--record', join(blocked, 'session.jsonl'));
    assert.equal(unopenable.code, 2);
    assert.match(unopenable.stderr, /--record .*session\.jsonl: cannot open it for appending/);
  });

  it('mcptap replay of the masked transcript raises the same secret alerts as of the raw one', async () => {
    const path = join(dir, 'replayed.jsonl');
    await record(path, raw);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [MCPTAP_BIN, 'replay', '--format', 'json', '--tenant', 't', '--host-id', 'h', path],
      { cwd: REPO_ROOT },
    );
    // One alert per line: rule, fingerprint, summary, details … as the command prints them.
    const fromMasked = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Pick<Alert, 'rule' | 'fingerprint' | 'summary' | 'details'>);
    const fromRaw = replayTranscript(raw, { rules: defaultRules(), tenant: 't', hostId: 'h' }).alerts;
    assert.deepEqual(new Set(secretAlerts(fromRaw).map((a) => a.rule)), SECRET_RULES);
    assert.deepEqual(secretAlerts(fromMasked), secretAlerts(fromRaw));
  });
});
