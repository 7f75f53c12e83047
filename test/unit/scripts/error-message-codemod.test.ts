import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rewriteErrorMessages } from '../../../scripts/codemods/error-message.js';

test('rewrites both idioms and merges errorMessage into the existing model import', () => {
  const source = [
    "import { canonicalJson } from '../model/index.js';",
    '',
    'function a(error: unknown) {',
    '  return `x: ${error instanceof Error ? error.message : String(error)}`;',
    '}',
    'function b(err: unknown) {',
    '  return (err as Error).message;',
    '}',
    '',
  ].join('\n');
  const { source: out, count } = rewriteErrorMessages('detectors/a.ts', source);
  assert.equal(count, 2);
  assert.match(out, /^import \{ canonicalJson, errorMessage \} from '\.\.\/model\/index\.js';/);
  assert.match(out, /return `x: \$\{errorMessage\(error\)\}`;/);
  assert.match(out, /return errorMessage\(err\);/);
  assert.doesNotMatch(out, /instanceof Error/);
});

test('adds a new import after the last one, with the path relative to the file', () => {
  const source = [
    "import { readFileSync } from 'node:fs';",
    "import type { Alert } from '../../model/index.js';",
    '',
    'try {',
    '  readFileSync("x");',
    '} catch (e) {',
    '  console.error(e instanceof Error ? e.message : String(e));',
    '}',
    '',
  ].join('\n');
  const { source: out } = rewriteErrorMessages('detectors/alerting/x.ts', source);
  const lines = out.split('\n');
  assert.equal(lines[1], "import type { Alert } from '../../model/index.js';");
  assert.equal(lines[2], "import { errorMessage } from '../../model/index.js';");
  assert.match(out, /console\.error\(errorMessage\(e\)\);/);
});

test('leaves a file without the idiom, and mismatched names, untouched', () => {
  const source = 'const m = a instanceof Error ? b.message : String(a);\n';
  assert.deepEqual(rewriteErrorMessages('x/y.ts', source), { source, count: 0 });
});
