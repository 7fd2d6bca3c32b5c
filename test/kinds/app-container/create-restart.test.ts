/**
 * A controller restarted while its create call is still in flight (a slow `POST /nodes/{node}/lxc`):
 * the new instance finds the claimed VMID absent, posts again and gets `CT N already exists`. The
 * container is ours (its marker says so), so it must be confirmed, not duplicated elsewhere.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AppContainerReconciler } from '../../../src/kinds/app-container/reconciler.js';
import { waitFor } from '../../helpers/wait.js';
import { ct, rig, type Rig } from './harness.js';

const containersNamed = (r: Rig, hostname: string): number[] =>
  Object.values(r.s.sim.state.nodes['pve']!.lxc)
    .filter((c) => c.config['hostname'] === hostname)
    .map((c) => c.vmid);

describe('AppContainer restart during a slow create', () => {
  let r: Rig;
  before(async () => {
    r = await rig();
  });
  after(() => r.close());

  test('ends with exactly one container, which deleting the manifest removes', async () => {
    r.s.sim.faults.addLatency({ method: 'POST', route: '/nodes/{node}/lxc', ms: 4000 });
    const obj = ct('slowpoke');
    const before = r.clock.pending();
    // The first controller: claims a VMID and sends the create, which the node sits on.
    const first = r.h.pass(obj, false);
    await waitFor('the first create POST in flight', () => r.clock.pending() > before);
    // Restart: a new reconciler (fresh caches, allocator) on the same store, while the POST hangs.
    r.h.reconciler = new AppContainerReconciler({
      pve: r.pve,
      clock: r.clock,
      taskPollMs: 1000,
      resourcesTtlMs: 0,
    });
    const second = r.h.pass(obj);
    await waitFor('the second create POST in flight', () => r.clock.pending() > before + 1);
    r.clock.advance(4000);
    const [a, b] = await Promise.all([first, second]);
    assert.ok(
      !(a instanceof Error) && !(b instanceof Error),
      `errors: ${JSON.stringify([a, b].map((x) => (x instanceof Error ? x.message : null)))}`,
    );
    const vmid = Number(a.observed?.['vmid']);
    r.s.sim.faults.clear();
    await r.h.converge(obj);
    assert.deepEqual(containersNamed(r, 'slowpoke'), [vmid], 'exactly one container');
    assert.equal(b.observed?.['vmid'], vmid, 'the restarted controller kept the claimed VMID');
    assert.equal(r.count('POST /nodes/{node}/lxc'), 2, 'the second POST was refused, not repeated');
    await r.h.delete(obj);
    assert.deepEqual(containersNamed(r, 'slowpoke'), [], 'deleting the manifest removed it');
  });
});
