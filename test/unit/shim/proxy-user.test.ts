import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyUser } from '../../../shim/proxy-cli.js';

const none = { userId: '', team: '' };

test('the proxy user: --user, else MCPTAP_USER_ID, else the OS user, each recorded as its source', () => {
  assert.deepEqual(
    proxyUser({ user: 'alice', team: 'payments' }, { userId: 'env-user', team: 'env-team' }, () => 'os'),
    {
      user_id: 'alice',
      team: 'payments',
      user_source: 'proxy_flag',
    },
  );
  assert.deepEqual(
    proxyUser({}, { userId: 'env-user', team: 'env-team' }, () => 'os'),
    {
      user_id: 'env-user',
      team: 'env-team',
      user_source: 'env',
    },
  );
  assert.deepEqual(
    proxyUser({ team: 'red' }, none, () => 'os'),
    { user_id: 'os', team: 'red', user_source: 'os_user' },
  );
});

test('a uid with no passwd entry gives no user rather than no proxy', () => {
  assert.equal(
    proxyUser({}, none, () => {
      throw new Error('ENOENT');
    }),
    undefined,
  );
});
