/**
 * `pxr reconcile KIND/NAME` against a running controller (startControllerApp, the simulator over
 * HTTP): the request is picked up within a second and the command returns once the pass is done.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.js';
import { openStore } from '../../src/store/store.js';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { waitTask } from '../helpers/wait-task.js';
import { bridgeDoc, startHarness, type Harness } from './harness.js';

describe('pxr reconcile', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ resyncMs: 3_600_000 });
    h.write('lan.yaml', bridgeDoc('lan', { iface: 'vmbr6', ports: [] }));
    await waitFor('lan Ready', () =>
      h.app.store.status
        .get({ kind: 'Bridge', name: 'lan' })
        ?.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
  });
  after(() => h.close());

  test('reconciles the object now: a bridge removed by hand is back when the command returns', async () => {
    await h.pve.deleteNetwork('pve', 'vmbr6');
    await waitTask(h.pve, 'pve', await h.pve.applyNetwork('pve'), { pollMs: 20 });
    // The resync is an hour away: only the request brings it back.
    const r = await runCli(['reconcile', 'bridge/lan', '--db', h.db], h.dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^bridge\/lan reconciled: Ready=/);
    await waitFor('vmbr6 back', () => h.sim.sim.state.nodes.pve!.network.active['vmbr6']);
  });

  test('an unknown object is one line and exit 1', async () => {
    const r = await runCli(['reconcile', 'bridge/nope', '--db', h.db], h.dir);
    assert.equal(r.code, 1);
    assert.equal(r.err, 'pxr reconcile: bridge/nope not found\n');
  });

  test('without a running controller the request times out, says so, and leaves nothing behind', async () => {
    const db = join(h.dir, 'idle.db');
    const s = openStore(db, { clock: systemClock });
    s.objects.insert(
      { kind: 'Bridge', name: 'x', spec: {}, labels: {}, annotations: {}, sourceFile: 'x.yaml' },
      0,
    );
    s.close();
    const r = await runCli(['reconcile', 'br/x', '--db', db, '--timeout', '300ms'], h.dir);
    assert.equal(r.code, 1);
    assert.match(r.err, /no controller took the request within 300ms/);
    const again = openStore(db, { clock: systemClock, readonly: true });
    assert.deepEqual(again.meta.keys('reconcile/'), []);
    again.close();
  });
});
