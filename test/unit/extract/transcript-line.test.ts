import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTranscriptLine, parseTranscriptLine } from '../../../extract/index.js';

describe('transcript lines: ts in the file, ms in memory', () => {
  it('reads the RFC 3339 time as epoch ms and writes it back as ts, first', () => {
    const text =
      '{"ts":"2026-11-24T10:00:00.120Z","session":"s-1","server":"files","dir":"c2s","msg":{"jsonrpc":"2.0","id":7,"method":"tools/call"}}';
    const line = parseTranscriptLine(text);
    assert.equal(line.ms, Date.UTC(2026, 10, 24, 10, 0, 0, 120));
    assert.equal('ts' in line, false);
    assert.equal(formatTranscriptLine(line), text);
  });

  it('writes times given with an offset in UTC, at the same instant', () => {
    const line = parseTranscriptLine(
      '{"ts":"2026-11-24T11:00:00.5+01:00","session":"s","host":"user_turn","text":"hi"}',
    );
    assert.equal(
      formatTranscriptLine(line),
      '{"ts":"2026-11-24T10:00:00.500Z","session":"s","host":"user_turn","text":"hi"}',
    );
  });
});
