/**
 * The simulator acting like PVE 8 (`sdnLock: false`): no global SDN lock and no rollback (501, as
 * for any method PVE 8 does not have), and `lock-token` is an unknown parameter; edits and the apply
 * work as before.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sdnHarness, type SdnHarness } from './harness.js';

describe('simulated SDN as PVE 8 has it', () => {
  let h: SdnHarness;
  before(async () => {
    h = await sdnHarness({ sdnLock: false });
  });
  after(() => h.close());

  test('no lock, no rollback, no lock-token; create and apply still work', async () => {
    const lock = await h.wire('POST', '/cluster/sdn/lock');
    assert.equal(lock.status, 501);
    assert.equal(lock.statusText, "Method 'POST /cluster/sdn/lock' not implemented");
    assert.equal((await h.wire('POST', '/cluster/sdn/rollback')).status, 501);
    const withToken = await h.wire('POST', '/cluster/sdn/zones', {
      zone: 'lan',
      type: 'simple',
      'lock-token': 'x',
    });
    assert.equal(withToken.status, 400);
    assert.match(JSON.stringify(withToken.body.errors), /lock-token/);
    assert.equal(
      (await h.wire('POST', '/cluster/sdn/zones', { zone: 'lan', type: 'simple' })).status,
      200,
    );
    assert.equal((await h.wire('PUT', '/cluster/sdn')).status, 200);
  });
});
