import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sdnHarness, type SdnHarness } from './harness.js';
import {
  sdnApply,
  sdnCreateZone,
  sdnListZones,
  sdnLock,
  sdnRollback,
  sdnUnlock,
} from '../../../src/pve/sdn.js';
import { parseUpid } from '../../../src/pve/upid.js';
import { waitTask } from '../../helpers/wait-task.js';

const LOCKED = 'invalid lock token provided! at /usr/share/perl5/PVE/Network/SDN.pm line 291.';

describe('simulated SDN apply, lock and rollback over HTTP', () => {
  let h: SdnHarness;
  before(async () => {
    h = await sdnHarness();
  });
  after(async () => {
    await h.close();
  });
  beforeEach(() => h.reset());

  test('apply returns a reloadnetworkall UPID and the edited config becomes the running one', async () => {
    await sdnCreateZone(h.pve, { zone: 'lan', type: 'simple' });
    const upid = await sdnApply(h.pve);
    assert.equal(parseUpid(upid)?.type, 'reloadnetworkall');
    assert.equal(await waitTask(h.pve, 'pve', upid, { pollMs: 20, timeoutMs: 10_000 }), 'OK');
    const log = await h.pve.taskLog('pve', upid);
    assert.ok(
      log.some((l) => l.t === 'pve: reloading network config'),
      JSON.stringify(log),
    );
    assert.deepEqual(await sdnListZones(h.pve, { running: true }), [
      { zone: 'lan', type: 'simple' },
    ]);
    assert.deepEqual(await sdnListZones(h.pve, { pending: true }), [
      { zone: 'lan', type: 'simple' },
    ]);
  });

  test('rollback drops pending changes', async () => {
    await sdnCreateZone(h.pve, { zone: 'keep', type: 'simple' });
    await waitTask(h.pve, 'pve', await sdnApply(h.pve), { pollMs: 20, timeoutMs: 10_000 });
    await sdnCreateZone(h.pve, { zone: 'drop', type: 'simple' });
    await sdnRollback(h.pve);
    assert.deepEqual(
      (await sdnListZones(h.pve)).map((z) => z.zone),
      ['keep'],
    );
  });

  test('while locked, edits and apply need the token; apply with it releases the lock', async () => {
    await sdnCreateZone(h.pve, { zone: 'lan', type: 'simple' });
    const pending = await h.wire('POST', '/cluster/sdn/lock');
    assert.deepEqual(
      [pending.status, pending.statusText],
      [
        500,
        'could not acquire lock for SDN config: configuration has pending changes at /usr/share/perl5/PVE/API2/Network/SDN.pm line 149.',
      ],
    );
    const token = await sdnLock(h.pve, true);
    assert.match(token, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const edit = await h.wire('POST', '/cluster/sdn/zones', { zone: 'other', type: 'simple' });
    assert.deepEqual(
      [edit.status, edit.statusText],
      [500, `create sdn zone object failed: ${LOCKED}`],
    );
    const wrong = await h.wire('PUT', '/cluster/sdn', { 'lock-token': 'nope' });
    assert.equal(wrong.statusText, `could not commit SDN config: ${LOCKED}`);
    const again = await h.wire('POST', '/cluster/sdn/lock', { 'allow-pending': 1 });
    assert.equal(again.statusText, `could not acquire lock for SDN config: ${LOCKED}`);
    await sdnCreateZone(h.pve, { zone: 'other', type: 'simple', 'lock-token': token });
    await waitTask(h.pve, 'pve', await sdnApply(h.pve, token), { pollMs: 20, timeoutMs: 10_000 });
    // released: edits without a token work again
    await sdnCreateZone(h.pve, { zone: 'third', type: 'simple' });
    assert.deepEqual(
      (await sdnListZones(h.pve, { running: true })).map((z) => z.zone),
      ['lan', 'other'],
    );
  });

  test('the lock is released with its token or by force, not without', async () => {
    const token = await sdnLock(h.pve);
    const bare = await h.wire('DELETE', '/cluster/sdn/lock');
    assert.equal(bare.statusText, `could not release lock: ${LOCKED}`);
    await sdnUnlock(h.pve, token);
    const second = await sdnLock(h.pve);
    assert.notEqual(second, token);
    await sdnUnlock(h.pve, undefined, true);
    await sdnCreateZone(h.pve, { zone: 'free', type: 'simple' });
    // rollback with the token releases too (release-lock defaults to 1)
    const third = await sdnLock(h.pve, true);
    await sdnRollback(h.pve, third);
    assert.deepEqual(await sdnListZones(h.pve), []);
    await sdnCreateZone(h.pve, { zone: 'after', type: 'simple' });
  });
});
