/**
 * Creates that go wrong: a failed create task (surfaced, retried with backoff, nothing left
 * behind), a crash between the create call and recording it (exactly one container), a controller
 * restarted while the task runs (it resumes the task), and dependencies on the bridge.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ObjectOutcome } from '../../../src/core/kind.js';
import { AppContainerReconciler } from '../../../src/kinds/app-container/reconciler.js';
import { ct, rig, simCt, vmidOf, type Rig } from './harness.js';

function ok(v: ObjectOutcome | Error): ObjectOutcome {
  assert.ok(!(v instanceof Error), `unexpected error: ${v instanceof Error ? v.message : ''}`);
  return v;
}

const containersNamed = (r: Rig, hostname: string): number[] =>
  Object.values(r.s.sim.state.nodes['pve']!.lxc)
    .filter((c) => c.config['hostname'] === hostname)
    .map((c) => c.vmid);

describe('AppContainer create failures and crashes', () => {
  let r: Rig;
  before(async () => {
    r = await rig();
  });
  after(() => r.close());

  test('a failed create task is surfaced, retried with backoff, and leaves nothing behind', async () => {
    r.s.sim.faults.addTaskFailure({
      type: 'vzcreate',
      message: 'unable to create CT - disk full',
      count: 2,
    });
    const obj = ct('flaky', { vmid: 5000 });
    const delays: number[] = [];
    let failed: ObjectOutcome | undefined;
    for (let i = 0; i < 40; i++) {
      const o = ok(await r.h.pass(obj));
      if (o.notReady?.reason === 'CreateFailed') {
        failed ??= o;
        delays.push(o.requeueAfterMs ?? -1);
        assert.equal(simCt(r, 5000), undefined, 'the failed container is gone');
      }
      if (o.requeueAfterMs === undefined && !o.notReady) break;
      r.clock.advance(o.requeueAfterMs ?? 5000);
    }
    assert.deepEqual(delays, [750, 1500], 'retries back off');
    assert.match(failed?.notReady?.message ?? '', /create of CT 5000 failed: .*disk full/);
    assert.equal(failed?.events?.[0]?.reason, 'TaskFailed');
    assert.equal(simCt(r, 5000)?.status, 'running');
    assert.equal(r.h.status.get('flaky')?.observed['failures'], undefined);
  });

  test('a crash after the create call (allocated VMID) still yields exactly one container', async () => {
    const obj = ct('phoenix');
    const lost = ok(await r.h.pass(obj, false)); // claimed, create sent, status never written
    assert.ok(lost.observed?.['task'], 'the create call was made');
    const reserved = Number(lost.observed?.['vmid']);
    assert.equal(
      r.h.store.inventory.find({ resourceType: 'lxc', node: 'pve', resourceId: String(reserved) })
        ?.uid,
      obj.uid,
    );
    const outs = await r.h.converge(obj);
    assert.deepEqual(containersNamed(r, 'phoenix'), [reserved]);
    assert.ok(outs.some((o) => o.events?.some((e) => e.reason === 'Recovered')));
    assert.equal(simCt(r, reserved)?.status, 'running');
  });

  test('with its status lost entirely, the container is found again by its marker', async () => {
    const obj = ct('amnesia');
    await r.h.converge(obj);
    const vmid = vmidOf(r, 'amnesia');
    r.h.status.delete('amnesia');
    const outs = await r.h.converge(obj);
    assert.deepEqual(containersNamed(r, 'amnesia'), [vmid]);
    assert.equal(vmidOf(r, 'amnesia'), vmid);
    assert.ok(outs[0]?.events?.some((e) => e.reason === 'Recovered'));
  });

  test('a crash after the create call (explicit VMID) waits for the task and adopts nothing twice', async () => {
    const obj = ct('explicit', { vmid: 5100 });
    const lost = ok(await r.h.pass(obj, false));
    assert.ok(lost.observed?.['task']);
    const waiting = ok(await r.h.pass(obj));
    assert.match(waiting.notReady?.message ?? '', /being created/);
    const outs = await r.h.converge(obj);
    assert.deepEqual(containersNamed(r, 'explicit'), [5100]);
    assert.ok(outs.some((o) => o.events?.some((e) => e.reason === 'Recovered')));
    assert.equal(r.h.status.get('explicit')?.observed['template'], obj.spec.template);
    assert.equal(r.count('POST /nodes/{node}/lxc') > 0, true);
  });

  test('a restarted controller resumes the task recorded in status', async () => {
    const obj = ct('resume', { vmid: 5200 });
    ok(await r.h.pass(obj));
    assert.ok(r.h.status.get('resume')?.observed['task']);
    const fresh = new AppContainerReconciler({
      pve: r.pve,
      clock: r.clock,
      taskPollMs: 1000,
      resourcesTtlMs: 0,
    });
    const old = r.h.reconciler;
    r.h.reconciler = fresh;
    try {
      const posts = r.count('POST /nodes/{node}/lxc');
      await r.h.converge(obj);
      assert.equal(r.count('POST /nodes/{node}/lxc'), posts, 'no second create');
      assert.deepEqual(containersNamed(r, 'resume'), [5200]);
    } finally {
      r.h.reconciler = old;
    }
  });

  test('waits for a managed Bridge to be Ready, and for an unmanaged bridge to exist', async () => {
    r.h.bridges = [{ name: 'lan', node: 'pve', iface: 'vmbr1', ready: false }];
    const a = ct('dep', { vmid: 5300 });
    const o = ok(await r.h.pass(a));
    assert.equal(o.notReady?.reason, 'DependencyNotReady');
    assert.match(o.notReady?.message ?? '', /Bridge\/lan \(vmbr1 on pve\)/);
    assert.equal(simCt(r, 5300), undefined);
    r.h.bridges = [{ name: 'lan', node: 'pve', iface: 'vmbr1', ready: true }];
    await r.h.converge(a);
    assert.equal(simCt(r, 5300)?.status, 'running');

    const b = ct('nobridge', {
      vmid: 5301,
      network: { bridge: 'vmbr77', ip: 'dhcp', firewall: false },
    });
    const ob = ok(await r.h.pass(b));
    assert.equal(ob.notReady?.reason, 'DependencyNotReady');
    assert.match(
      ob.notReady?.message ?? '',
      /bridge vmbr77 does not exist on node pve and no Bridge object manages it/,
    );
    r.h.bridges = [];
  });
});
