import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonUnescape, percentDecode, type DecodedText } from '../../../secrets/decoded-text.js';

/** Each decoded character with the escaped text it came from. */
function sources(escaped: string, decoded: DecodedText): Array<[string, string]> {
  return Array.from(decoded.text, (char, at) => [
    char,
    escaped.slice(decoded.sourceOffset(at), decoded.sourceOffset(at + 1)),
  ]);
}

test('decodes one layer of JSON string escapes and maps each character to its escape', () => {
  const escaped = String.raw`a\"b\\n\n\u0041\/\t\q`;
  const decoded = jsonUnescape(escaped);
  assert.equal(decoded.text, 'a"b\\n\nA/\t\\q');
  assert.deepEqual(sources(escaped, decoded), [
    ['a', 'a'],
    ['"', '\\"'],
    ['b', 'b'],
    ['\\', '\\\\'],
    ['n', 'n'],
    ['\n', '\\n'],
    ['A', '\\u0041'],
    ['/', '\\/'],
    ['\t', '\\t'],
    ['\\', '\\'],
    ['q', 'q'],
  ]);
  assert.equal(decoded.sourceOffset(decoded.text.length), escaped.length);
});

test('takes JSON escapes apart one layer at a time', () => {
  const threeDeep = JSON.stringify(JSON.stringify(JSON.stringify('x\ny')));
  let text = threeDeep.slice(1, -1);
  for (let layer = 0; layer < 3; layer++) text = jsonUnescape(text).text;
  // Each layer's own quotes stay, unescaped by the layers outside it.
  assert.equal(text, '""x\ny""');
});

test('percent-decodes, with + as a space only when asked', () => {
  const escaped = 'a%3Db+c%zz';
  assert.equal(percentDecode(escaped, false).text, 'a=b+c%zz');
  const form = percentDecode(escaped, true);
  assert.equal(form.text, 'a=b c%zz');
  assert.deepEqual(sources(escaped, form).slice(0, 4), [
    ['a', 'a'],
    ['=', '%3D'],
    ['b', 'b'],
    [' ', '+'],
  ]);
});
