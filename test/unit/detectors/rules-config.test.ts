import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  DEFAULT_RULES_PATH,
  defaultRules,
  parseRules,
  RulesError,
  rulesWith,
} from '../../../detectors/index.js';

test('the shipped rule file is valid and enables every detector', () => {
  const rules = defaultRules();
  for (const section of [
    'catalog_lint',
    'injected_result',
    'shadowing',
    'catalog_drift',
    'ssrf',
    'secret_egress',
    'exfil_chain',
    'chain_length',
    'new_destination',
    'rate_spike',
    'argument_shape',
  ] as const) {
    assert.equal(rules[section].enabled, true, section);
  }
});

test('an invalid value is reported with its path', () => {
  const text = readFileSync(DEFAULT_RULES_PATH, 'utf8').replace('max_calls: 25', 'max_calls: lots');
  assert.throws(
    () => parseRules(text, 'mine.yaml'),
    (error: unknown) =>
      error instanceof RulesError && /mine\.yaml.*chain_length\.max_calls/.test(error.message),
  );
});

test('an invalid regular expression and an unknown key are refused', () => {
  const base = readFileSync(DEFAULT_RULES_PATH, 'utf8');
  assert.throws(
    () => parseRules(base.replace("    - '\\bsilently", "    - '(unclosed"), 'x.yaml'),
    /text_shapes\.secrecy/,
  );
  assert.throws(() => parseRules(`${base}\nsurprise: 1\n`, 'x.yaml'), RulesError);
  assert.throws(() => parseRules('version: [', 'x.yaml'), /not valid YAML/);
});

test('overrides replace one section and keep the rest', () => {
  const rules = rulesWith({ chain_length: { enabled: true, max_calls: 3, severity: 'high' } });
  assert.equal(rules.chain_length.max_calls, 3);
  assert.equal(rules.ssrf.enabled, true);
});

test("an operator's file needs only what it changes: what it leaves out keeps the shipped default", () => {
  const rules = parseRules(
    'chain_length:\n  max_calls: 7\nallow:\n  - {rule: new_destination, host: "*.example.com"}\n',
    'mine.yaml',
  );
  assert.equal(rules.chain_length.max_calls, 7);
  assert.equal(rules.chain_length.enabled, defaultRules().chain_length.enabled);
  assert.equal(rules.chain_length.severity, defaultRules().chain_length.severity);
  assert.deepEqual(rules.ssrf.allow_hosts, defaultRules().ssrf.allow_hosts);
  assert.equal(rules.allow.length, 1, 'a list replaces the shipped one');
  assert.equal(rules.source, 'mine.yaml');
  assert.throws(() => parseRules('chain_length:\n  max_calls: 7\n  surprise: 1\n', 'mine.yaml'), RulesError);
});
