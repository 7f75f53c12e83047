import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClickHouseError } from '@clickhouse/client';
import { clickhouseErrorCode, valuesRefused } from '../../../storage/insert-errors.js';

describe('insert errors', () => {
  it('reads the code of an 18.16 server message, which the client does not parse', () => {
    const error = new Error(
      'Code: 27, e.displayText() = DB::Exception: Cannot parse input: expected " before: abc": (at row 1)\n, e.what() = DB::Exception\n',
    );
    assert.equal(clickhouseErrorCode(error), 27);
    assert.equal(valuesRefused(error), 'CANNOT_PARSE_INPUT_ASSERTION_FAILED');
  });

  it('reads the code the client parsed from a modern server message', () => {
    const error = new ClickHouseError({
      message: 'Cannot parse input',
      code: '72',
      type: 'CANNOT_PARSE_NUMBER',
    });
    assert.equal(valuesRefused(error), 'CANNOT_PARSE_NUMBER');
  });

  it('does not blame the rows for connection failures or a server in trouble', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:18123'), {
      code: 'ECONNREFUSED',
    });
    assert.equal(clickhouseErrorCode(refused), undefined);
    assert.equal(valuesRefused(refused), undefined);
    const tooManyParts = new Error('Code: 252, e.displayText() = DB::Exception: Too many parts (300)');
    assert.equal(clickhouseErrorCode(tooManyParts), 252);
    assert.equal(valuesRefused(tooManyParts), undefined);
    assert.equal(
      valuesRefused(new ClickHouseError({ message: 'x', code: '241', type: 'MEMORY_LIMIT_EXCEEDED' })),
      undefined,
    );
    assert.equal(valuesRefused('Code: 27'), undefined);
  });
});
