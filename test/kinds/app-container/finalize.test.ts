/**
 * Deleting containers (the manifest was removed): shutdown, destroy with purge, verify gone; refused
 * without the marker or with protection on; nothing to do when nothing was created.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isTerminal } from '../../../src/core/errors.js';
import { AppContainerReconciler } from '../../../src/kinds/app-container/reconciler.js';
import { ct, rig, simCt, vmidOf, type Rig } from './harness.js';

describe('AppContainer deletion', () => {
  let r: Rig;
  before(async () => {
    r = await rig();
  });
  after(() => r.close());

  test('a running container is shut down, destroyed with purge and verified gone', async () => {
    const obj = ct('doomed', {
      mountPoints: [
        { path: '/srv', size: 1, storage: 'local-lvm', backup: false, readOnly: false },
      ],
    });
    await r.h.converge(obj);
    const vmid = vmidOf(r, 'doomed');
    const disks = (): string[] =>
      Object.keys(r.s.sim.state.nodes['pve']!.storages['local-lvm']!.volumes).filter((v) =>
        v.includes(`-${vmid}-disk-`),
      );
    assert.equal(disks().length, 2);
    const steps = await r.h.delete({ ...obj, deletionRequested: true });
    const actions = steps.flatMap((s) => s.actions ?? []);
    assert.deepEqual(actions, [
      `shutting down CT ${vmid} before destroying it`,
      `destroying CT ${vmid} (purge)`,
    ]);
    assert.equal(simCt(r, vmid), undefined);
    assert.deepEqual(disks(), [], 'volumes purged');
    assert.deepEqual(r.h.store.inventory.listByOwner(obj.uid), [], 'ownership released once gone');
  });

  test('deletion is refused when the marker does not match, and nothing is destroyed', async () => {
    const obj = ct('victim', { vmid: 8100, state: 'stopped' });
    await r.h.converge(obj);
    await r.pve.put('/nodes/pve/lxc/8100/config', { description: 'taken over by a human' });
    const v = await r.h.finalize({ ...obj, deletionRequested: true });
    assert.ok(isTerminal(v), `got ${JSON.stringify(v)}`);
    assert.equal(v.reason, 'DeletionRefused');
    assert.match(
      v.message,
      /refusing to destroy CT 8100 on node pve: its description carries no pxr marker/,
    );
    assert.equal(r.count('DELETE /nodes/{node}/lxc/{vmid}'), 1, 'only the first test destroyed');
    assert.ok(simCt(r, 8100));
  });

  test('deletion is refused while protection is on', async () => {
    const obj = ct('guarded', { vmid: 8200, state: 'stopped' });
    await r.h.converge(obj);
    await r.pve.put('/nodes/pve/lxc/8200/config', { protection: 1 });
    const v = await r.h.finalize({ ...obj, deletionRequested: true });
    assert.ok(isTerminal(v) && /protection mode is on/.test(v.message), `got ${JSON.stringify(v)}`);
    assert.ok(simCt(r, 8200));
  });

  test('a controller restarted while a deletion task runs polls that task: one shutdown, one destroy, nothing left', async () => {
    const obj = ct('restarted', { vmid: 8300 });
    await r.h.converge(obj);
    const doomed = { ...obj, deletionRequested: true };
    const shutdowns = (): number => r.count('POST /nodes/{node}/lxc/{vmid}/status/shutdown');
    const destroys = (): number => r.count('DELETE /nodes/{node}/lxc/{vmid}');
    const [s0, d0] = [shutdowns(), destroys()];
    const old = r.h.reconciler;
    const restart = (): void => {
      r.h.reconciler = new AppContainerReconciler({
        pve: r.pve,
        clock: r.clock,
        taskPollMs: 1000,
        resourcesTtlMs: 0,
      });
    };
    try {
      const first = await r.h.finalize(doomed);
      assert.ok(first !== 'done' && !(first instanceof Error), 'a shutdown was started');
      assert.deepEqual(first.actions, ['shutting down CT 8300 before destroying it']);
      assert.equal(
        (r.h.status.get('restarted')?.observed['task'] as { op?: string })?.op,
        'shutdown',
      );
      restart(); // the shutdown task is still running
      let destroying = false;
      for (let i = 0; i < 40; i++) {
        const v = await r.h.finalize(doomed);
        if (v === 'done' || v instanceof Error)
          assert.fail('finished before its destroy task started');
        r.clock.advance(v.requeueAfterMs ?? 1000);
        if (v.actions?.includes('destroying CT 8300 (purge)')) {
          destroying = true;
          break;
        }
      }
      assert.ok(destroying, 'the destroy task was started');
      restart(); // and again while the destroy task runs
      await r.h.delete(doomed);
    } finally {
      r.h.reconciler = old;
    }
    assert.equal(shutdowns() - s0, 1, 'one shutdown');
    assert.equal(destroys() - d0, 1, 'one destroy');
    assert.equal(simCt(r, 8300), undefined);
    assert.deepEqual(r.h.store.inventory.listByOwner(obj.uid), []);
  });

  test('an object that never created anything is finalized at once', async () => {
    const obj = ct('ghost', {}, { deletionRequested: true });
    assert.equal(await r.h.finalize(obj), 'done');
  });
});
