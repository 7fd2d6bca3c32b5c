/**
 * Real cancellation: the reconcile's signal reaches the Proxmox client. A Proxmox call hanging past
 * the reconcile timeout (the simulator's latency fault) is aborted, the reconcile fails with the
 * timeout (not a network error), and the key is never processed by two workers at once.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPveClient } from '../../src/pve/client.js';
import { startSim } from '../helpers/sim.js';
import { waitFor } from '../helpers/wait.js';
import { doc, FakeReconciler, kind, rig, silentLog, snap } from './helpers.js';

describe('cancellation: ctx.signal reaches the Proxmox client', () => {
  test('a Proxmox call hanging past the reconcile timeout is aborted with the timeout; one reconcile at a time', async () => {
    const r = new FakeReconciler();
    const y = rig([kind('Bridge', r)], { reconcileTimeoutMs: 60_000 });
    // The simulator sleeps on the controller's clock: its latency ends only when the test says so.
    const s = await startSim({ clock: y.clock });
    const pve = createPveClient({
      url: s.url,
      tokenId: s.tokenId,
      tokenSecret: s.tokenSecret,
      clock: y.clock,
      logger: silentLog,
    });
    try {
      s.sim.faults.addLatency({ method: 'GET', route: '/nodes', ms: 600_000 });
      let running = 0;
      let most = 0;
      const failures: Error[] = [];
      r.onReconcile = async (_ctx, objs) => {
        running++;
        most = Math.max(most, running);
        try {
          await pve.nodes();
          return new Map(objs.map((o) => [o.name, {}]));
        } catch (err) {
          failures.push(err as Error);
          throw err;
        } finally {
          running--;
        }
      };
      const base = y.clock.pending();
      y.manager.applySnapshot(snap([doc('Bridge', 'a')]));
      // Two more timers on the clock: the reconcile timeout, and the simulator sleeping on the call.
      const inSim = (): boolean => y.clock.pending() >= base + 2;
      await waitFor('the call reached the simulator', inSim);
      y.clock.advance(60_000);
      await y.manager.waitForIdle();
      assert.equal(failures.length, 1);
      assert.match(failures[0]?.message ?? '', /reconcile timed out after 60000 ms/);
      const st = y.store.status.get({ kind: 'Bridge', name: 'a' });
      assert.match(st?.conditions[0]?.message ?? '', /timed out after 60000 ms/);
      // Proxmox answers again: the retry after the backoff converges.
      s.sim.faults.clear();
      y.clock.advance(1_000);
      await y.manager.waitForIdle();
      assert.equal(most, 1, 'never two reconciles of the key at once');
      assert.equal(r.calls.length, 2);
      assert.equal(
        y.store.status.get({ kind: 'Bridge', name: 'a' })?.conditions[0]?.status,
        'True',
      );
    } finally {
      await y.manager.stop();
      await pve.close();
      await s.close();
    }
  });
});
