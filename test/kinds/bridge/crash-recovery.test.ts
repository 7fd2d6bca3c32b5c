/**
 * Crashes at every step of a Bridge pass, against the simulator over HTTP (real client), on a
 * ManualClock: a reconciler whose client "dies" at a call (no request after it reaches the node),
 * then a fresh reconciler — a restarted pxr — over the same store (inventory) and status.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startSim, type StartedSim } from '../../helpers/sim.js';
import { ManualClock } from '../../../src/core/clock.js';
import type { ObjectOutcome, StoredObject } from '../../../src/core/kind.js';
import { createPveClient } from '../../../src/pve/client.js';
import type { PveClient } from '../../../src/pve/types.js';
import { bridgeReconciler } from '../../../src/kinds/bridge/index.js';
import type { BridgeSpec } from '../../../src/kinds/bridge/spec.js';
import { bridge, Harness } from './harness.js';
import { dyingClient } from './dying-client.js';
import { planAndApply } from '../../../src/core/plan-apply.js';

const APPLY = 'PUT /nodes/{node}/network';
const WRITES = [
  'POST /nodes/{node}/network',
  'PUT /nodes/{node}/network/{iface}',
  'DELETE /nodes/{node}/network/{iface}',
  APPLY,
  'DELETE /nodes/{node}/network',
];

function outcome(v: ObjectOutcome | Error | 'done' | undefined): ObjectOutcome {
  assert.ok(
    v && v !== 'done' && !(v instanceof Error),
    `expected an outcome, got ${v instanceof Error ? v.message : JSON.stringify(v)}`,
  );
  return v;
}

describe('Bridge reconciler: crash recovery and ownership on delete', () => {
  let clock: ManualClock;
  let s: StartedSim;
  let pve: PveClient;
  let h: Harness;
  const count = (k: string): number => pve.calls()[k]?.count ?? 0;
  const writes = (): number => WRITES.reduce((n, k) => n + count(k), 0);
  const net = (): ReturnType<PveClient['listNetwork']> => pve.listNetwork('pve');
  const iface = async (name: string): Promise<Record<string, unknown> | undefined> =>
    (await net()).ifaces.find((i) => i.iface === name);
  const reconciler = (client: PveClient): ReturnType<typeof bridgeReconciler> =>
    bridgeReconciler({ pve: client, clock, taskPollMs: 1000 });
  /** One pass with a client that dies at `method` (status not recorded: the process is gone). */
  const crashAt = async (
    objs: StoredObject<BridgeSpec>[],
    method: 'createNetwork' | 'applyNetwork' | 'deleteNetwork',
    when: 'before' | 'after',
    mode: 'reconcile' | 'finalize' = 'reconcile',
  ): Promise<void> => {
    const dying = dyingClient(pve, method, when);
    const r = reconciler(dying.pve);
    // Straight to the reconciler: a dead process records nothing, whatever the pass returns.
    const ctx = h.ctx(objs);
    await (mode === 'reconcile' ? planAndApply(r, ctx, objs) : r.finalize(ctx, objs)).catch(
      (err: unknown) => assert.match(String(err), /process died/),
    );
    assert.ok(dying.dead, `the pass reached ${method}`);
  };
  /** Lets a running apply task end (time moves on the shared clock). */
  const finishTasks = async (): Promise<void> => {
    for (let i = 0; i < 30; i++) {
      const active = await pve.listTasks('pve', { source: 'active' });
      if (active.length === 0) return;
      clock.advance(1000);
    }
  };

  beforeEach(async () => {
    clock = new ManualClock();
    s = await startSim({ clock });
    pve = createPveClient({
      url: s.url,
      tokenId: s.tokenId,
      tokenSecret: s.tokenSecret,
      clock,
      logger: pino({ level: 'silent' }),
    });
    h = new Harness(reconciler(pve), clock);
  });
  afterEach(async () => {
    await pve.close();
    await s.close();
  });

  test('died after staging, before the apply: the restarted pass applies its own staged change once', async () => {
    const lan = bridge('lan', { iface: 'vmbr1', ports: ['eno2'], comment: 'lab' });
    await crashAt([lan], 'applyNetwork', 'before');
    assert.ok((await net()).changes?.includes('vmbr1'), 'vmbr1 is staged');
    assert.equal(count(APPLY), 0);
    assert.equal(
      h.store.inventory.find({ resourceType: 'bridge', node: 'pve', resourceId: 'vmbr1' })?.uid,
      lan.uid,
    );

    const first = outcome((await h.pass([lan])).get('lan'));
    assert.equal(first.notReady?.reason, 'Applying');
    assert.match(
      first.actions?.[0] ?? '',
      /^applying network on pve \(UPID:.*\): vmbr1 staged by an interrupted pass$/,
    );
    const history = await h.converge([lan]);
    assert.ok(history.at(-1) && !history.at(-1)!.notReady, 'Ready');
    assert.equal(count(APPLY), 1, 'applied once');
    assert.equal(count('POST /nodes/{node}/network'), 1, 'not created again');
    assert.equal((await iface('vmbr1'))?.bridge_ports, 'eno2');
    assert.equal((await net()).changes, undefined);
  });

  test('died right after the create POST: the inventory makes the staged bridge ours, not someone else’s', async () => {
    const lan = bridge('lan', { iface: 'vmbr1', ports: ['eno2'] });
    const dmz = bridge('dmz', { iface: 'vmbr2', vlanAware: true });
    await crashAt([lan, dmz], 'createNetwork', 'after');
    assert.equal(
      count('POST /nodes/{node}/network'),
      1,
      'the first create went out, then pxr died',
    );
    await h.converge([lan, dmz]);
    assert.equal(count(APPLY), 2, 'the interrupted staging, then the rest of the plan');
    assert.equal((await iface('vmbr1'))?.bridge_ports, 'eno2');
    assert.equal((await iface('vmbr2'))?.bridge_vlan_aware, 1);
    assert.equal((await net()).changes, undefined);
  });

  test('died right after the apply was sent (no status written): the live bridge is still ours', async () => {
    const lan = bridge('lan', { iface: 'vmbr1', ports: ['eno2'] });
    await crashAt([lan], 'applyNetwork', 'after');
    await finishTasks();
    assert.ok(await iface('vmbr1'), 'vmbr1 is live');
    assert.deepEqual(h.status.get('lan')?.observed ?? {}, {}, 'status never recorded ownership');
    const w = writes();
    const r = outcome((await h.pass([lan])).get('lan'));
    assert.equal(r.notReady, undefined, 'Ready, not NotOwned');
    assert.equal(r.observed?.owned, true);
    assert.equal(writes(), w, 'nothing to do');
    assert.ok(!r.events?.some((e) => e.reason === 'Adopted'), 'owned, not adopted');
  });

  test('without the inventory record the same bridge is NotOwned (the record is what makes it ours)', async () => {
    const lan = bridge('lan', { iface: 'vmbr1', ports: ['eno2'] });
    await crashAt([lan], 'applyNetwork', 'after');
    await finishTasks();
    h.store.inventory.removeByOwner(lan.uid);
    const err = (await h.pass([lan])).get('lan');
    assert.ok(err instanceof Error && /not created by pxr/.test(err.message));
  });

  test('someone else’s edit staged on top of an interrupted pass stays foreign: nothing applied or reverted', async () => {
    const lan = bridge('lan', { iface: 'vmbr1', ports: ['eno2'] });
    await crashAt([lan], 'applyNetwork', 'before');
    await pve.createNetwork('pve', 'vmbr9', { type: 'bridge', autostart: 1 });
    const w = writes();
    const r = outcome((await h.pass([lan])).get('lan'));
    assert.equal(r.notReady?.reason, 'ForeignPendingChanges');
    assert.match(r.notReady?.message ?? '', /vmbr9 is not a bridge pxr owns/);
    assert.equal(writes(), w);
    const changes = (await net()).changes ?? '';
    assert.ok(changes.includes('vmbr1') && changes.includes('vmbr9'), 'both still staged');
  });

  test('a person changing our staged bridge makes the pending changes foreign (pending ≠ spec)', async () => {
    const lan = bridge('lan', { iface: 'vmbr1', ports: ['eno2'], comment: 'lab' });
    await crashAt([lan], 'applyNetwork', 'before');
    await pve.updateNetwork('pve', 'vmbr1', {
      type: 'bridge',
      bridge_ports: 'eno3',
      autostart: 1,
      comments: 'lab',
    });
    const w = writes();
    const r = outcome((await h.pass([lan])).get('lan'));
    assert.equal(r.notReady?.reason, 'ForeignPendingChanges');
    assert.match(r.notReady?.message ?? '', /staged bridge_ports of vmbr1 differ from lan/);
    assert.equal(writes(), w);
  });

  test('a failed apply call reverts our staging, but not when someone staged an edit meanwhile', async () => {
    const lan = bridge('lan', { iface: 'vmbr1', ports: ['eno2'] });
    s.sim.faults.addError({
      method: 'PUT',
      route: '/nodes/{node}/network',
      status: 500,
      message: 'you need ifupdown2 to reload network configuration',
      count: 1,
    });
    await assert.rejects(h.pass([lan]), /ifupdown2/);
    assert.equal((await net()).changes, undefined, 'only ours was staged: reverted');

    // Someone stages vmbr9 between our staging and our (failing) apply.
    const racing: PveClient = new Proxy(pve, {
      get(t, p, r): unknown {
        if (p !== 'applyNetwork') return Reflect.get(t, p, r);
        return async (node: string): Promise<string> => {
          await pve.createNetwork(node, 'vmbr9', { type: 'bridge', autostart: 1 });
          throw new Error('595 Connection refused');
        };
      },
    });
    h.reconciler = reconciler(racing);
    await assert.rejects(h.pass([lan]), /595/);
    const changes = (await net()).changes ?? '';
    assert.ok(changes.includes('vmbr9'), 'their edit is not discarded');
  });

  test('a failed apply task does not revert an edit someone staged while it ran', async () => {
    s.sim.faults.addTaskFailure({ type: 'srvreload', message: 'ifreload -a failed', count: 1 });
    const lan = bridge('lan', { iface: 'vmbr1', ports: ['eno2'] });
    const first = outcome((await h.pass([lan])).get('lan'));
    assert.equal(first.notReady?.reason, 'Applying');
    await finishTasks();
    await pve.createNetwork('pve', 'vmbr9', { type: 'bridge', autostart: 1 });
    const w = writes();
    const r = outcome((await h.pass([lan])).get('lan'));
    assert.equal(r.notReady?.reason, 'ApplyFailed');
    assert.match(
      r.notReady?.message ?? '',
      /staged changes left in place \(vmbr9 is not a bridge pxr owns\)/,
    );
    assert.equal(writes(), w, 'not reverted');
    assert.ok((await net()).changes?.includes('vmbr9'));
  });

  test('finalize: died after staging the delete; the next finalize applies it and releases the record', async () => {
    const lan = bridge('lan', { iface: 'vmbr1', ports: ['eno2'] });
    await h.converge([lan]);
    const ref = { resourceType: 'bridge', node: 'pve', resourceId: 'vmbr1' };
    assert.equal(h.store.inventory.find(ref)?.uid, lan.uid);
    h.status.clear(); // ownership must come from the inventory alone
    await crashAt([lan], 'applyNetwork', 'before', 'finalize');
    assert.ok((await net()).changes?.includes('vmbr1'), 'the delete is staged');
    let v = await h.finalize([lan]);
    assert.match(outcome(v.get('lan')).actions?.[0] ?? '', /vmbr1 staged by an interrupted pass/);
    for (let i = 0; i < 20 && v.get('lan') !== 'done'; i++) {
      clock.advance(outcome(v.get('lan')).requeueAfterMs ?? 1000);
      v = await h.finalize([lan]);
    }
    assert.equal(v.get('lan'), 'done');
    assert.equal(await iface('vmbr1'), undefined);
    assert.equal(h.store.inventory.find(ref), undefined, 'released once confirmed gone');
  });

  test('finalize of an adopted API bridge leaves it in place, releases it and records why', async () => {
    const uplink = bridge('uplink', {
      iface: 'vmbr0',
      adopt: true,
      ports: ['eno1'],
      cidr: '192.168.100.10/24',
      gateway: '192.168.100.1',
    });
    await h.converge([uplink]);
    const ref = { resourceType: 'bridge', node: 'pve', resourceId: 'vmbr0' };
    assert.equal(h.store.inventory.find(ref)?.uid, uplink.uid, 'adoption is recorded');
    const w = writes();
    const v = await h.finalize([uplink]);
    assert.equal(v.get('uplink'), 'done');
    assert.equal(writes(), w, 'nothing deleted');
    assert.equal(h.store.inventory.find(ref), undefined);
    assert.deepEqual(
      h.recorded.map((e) => [e.name, e.type, e.reason]),
      [['uplink', 'Warning', 'DeletionSkipped']],
    );
    assert.match(h.recorded[0]?.message ?? '', /vmbr0 on pve carries the node's API address/);
  });

  test('finalize of a bridge pxr does not own leaves it and records DeletionSkipped', async () => {
    const stranger = bridge('stranger', { iface: 'vmbr0' });
    const w = writes();
    const v = await h.finalize([stranger]);
    assert.equal(v.get('stranger'), 'done');
    assert.equal(writes(), w);
    assert.deepEqual(
      h.recorded.map((e) => [e.name, e.type, e.reason]),
      [['stranger', 'Warning', 'DeletionSkipped']],
    );
    assert.match(
      h.recorded[0]?.message ?? '',
      /vmbr0 on pve was not created by pxr; left in place/,
    );
  });
});
