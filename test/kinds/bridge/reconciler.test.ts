/**
 * The Bridge reconciler called directly against the simulator over HTTP (real proxmox-api client),
 * on a ManualClock shared by the simulator and the reconciler: apply tasks end when time moves.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startSim, type StartedSim } from '../../helpers/sim.js';
import { ManualClock } from '../../../src/core/clock.js';
import { isTerminal } from '../../../src/core/errors.js';
import type { ObjectOutcome } from '../../../src/core/kind.js';
import { createPveClient } from '../../../src/pve/client.js';
import type { PveClient } from '../../../src/pve/types.js';
import { bridgeReconciler } from '../../../src/kinds/bridge/index.js';
import { applyNetworkByHand, bridge, Harness } from './harness.js';

const WRITES = [
  'POST /nodes/{node}/network',
  'PUT /nodes/{node}/network/{iface}',
  'DELETE /nodes/{node}/network/{iface}',
  'PUT /nodes/{node}/network',
  'DELETE /nodes/{node}/network',
];

describe('Bridge reconciler against the simulator', () => {
  const clock = new ManualClock();
  let s: StartedSim;
  let pve: PveClient;
  let h: Harness;
  const count = (k: string): number => pve.calls()[k]?.count ?? 0;
  const writes = (): number => WRITES.reduce((n, k) => n + count(k), 0);
  const iface = async (name: string): Promise<Record<string, unknown> | undefined> =>
    (await pve.listNetwork('pve')).ifaces.find((i) => i.iface === name);
  const outcome = (v: ObjectOutcome | Error | 'done' | undefined): ObjectOutcome => {
    assert.ok(
      v && v !== 'done' && !(v instanceof Error),
      `expected an outcome, got ${v instanceof Error ? v.message : JSON.stringify(v)}`,
    );
    return v;
  };
  const applyByHand = (): Promise<void> => applyNetworkByHand(pve, clock);

  const lan = bridge('lan', {
    iface: 'vmbr1',
    ports: ['eno2'],
    cidr: '10.10.0.1/24',
    comment: 'lab LAN',
  });
  const dmz = bridge('dmz', { iface: 'vmbr2', vlanAware: true });

  before(async () => {
    s = await startSim({ clock });
    pve = createPveClient({
      url: s.url,
      tokenId: s.tokenId,
      tokenSecret: s.tokenSecret,
      clock,
      logger: pino({ level: 'silent' }),
    });
    h = new Harness(bridgeReconciler({ pve, clock, taskPollMs: 1000 }), clock);
  });
  after(async () => {
    await pve.close();
    await s.close();
  });

  test('creating two bridges stages both and starts ONE apply task, then confirms', async () => {
    const r = await h.pass([lan, dmz]);
    const a = outcome(r.get('lan'));
    const b = outcome(r.get('dmz'));
    assert.equal(count('POST /nodes/{node}/network'), 2);
    assert.equal(count('PUT /nodes/{node}/network'), 1);
    assert.equal(a.observed?.applyUpid, b.observed?.applyUpid);
    assert.match(String(a.observed?.applyUpid), /^UPID:pve:.*:srvreload:networking:/);
    assert.equal(a.notReady?.reason, 'Applying');
    assert.ok(a.requeueAfterMs! > 0);
    assert.deepEqual(a.actions?.slice(0, 1), [
      'create vmbr1 (bridge_ports: "eno2", cidr: "10.10.0.1/24", autostart: 1, comments: "lab LAN")',
    ]);
    // Nothing is live until the task ends.
    assert.equal(a.observed?.owned, true);

    const history = await h.converge([lan, dmz]);
    const last = history.slice(-2);
    assert.ok(last.every((o) => !o.notReady && !o.requeueAfterMs));
    assert.ok(history.some((o) => o.events?.some((e) => e.reason === 'Applied')));
    assert.equal(count('PUT /nodes/{node}/network'), 1);
    const v1 = await iface('vmbr1');
    assert.equal(v1?.bridge_ports, 'eno2');
    assert.equal(v1?.cidr, '10.10.0.1/24');
    assert.equal((await iface('vmbr2'))?.bridge_vlan_aware, 1);
    assert.equal((await pve.listNetwork('pve')).changes, undefined);
  });

  test('a converged pass reads once and writes nothing', async () => {
    const w = writes();
    const reads = count('GET /nodes/{node}/network');
    const r = await h.pass([lan, dmz]);
    const a = outcome(r.get('lan'));
    assert.equal(writes(), w);
    assert.equal(count('GET /nodes/{node}/network'), reads + 1);
    assert.equal(a.actions, undefined);
    assert.equal(a.drift, undefined);
    assert.equal(a.notReady, undefined);
  });

  test('editing a spec updates the bridge with one apply task', async () => {
    const { mtu: _mtu, ...noMtu } = lan.spec;
    lan.spec = { ...noMtu, ports: ['eno2', 'eno3'] };
    lan.generation = 2;
    const applies = count('PUT /nodes/{node}/network');
    const r = await h.pass([lan, dmz]);
    const a = outcome(r.get('lan'));
    assert.match(a.actions?.[0] ?? '', /^update vmbr1 \(bridge_ports: "eno2" -> "eno2 eno3"\)$/);
    assert.equal(outcome(r.get('dmz')).actions, undefined);
    assert.equal(a.drift, undefined, 'a spec change is not drift');
    await h.converge([lan, dmz]);
    assert.equal(count('PUT /nodes/{node}/network'), applies + 1);
    const v1 = await iface('vmbr1');
    assert.equal(v1?.bridge_ports, 'eno2 eno3');
    assert.equal(v1?.cidr, '10.10.0.1/24', 'the update kept the address (method stays static)');
  });

  test('drift made behind its back through the API is detected and corrected', async () => {
    await pve.updateNetwork('pve', 'vmbr1', {
      type: 'bridge',
      bridge_ports: 'eno2 eno3',
      cidr: '10.10.0.1/24',
      autostart: 1,
      comments: 'changed by hand',
    });
    await applyByHand();
    const r = await h.pass([lan, dmz]);
    const a = outcome(r.get('lan'));
    assert.deepEqual(a.drift, [
      { field: 'comments', desired: 'lab LAN', actual: 'changed by hand' },
    ]);
    assert.equal(a.driftCorrected, true);
    await h.converge([lan, dmz]);
    assert.equal(String((await iface('vmbr1'))?.comments).trim(), 'lab LAN');
  });

  test('under pxr/drift: alert, drift is reported but not corrected', async () => {
    const alerting = { ...dmz, annotations: { 'pxr/drift': 'alert' } };
    await pve.updateNetwork('pve', 'vmbr2', {
      type: 'bridge',
      bridge_vlan_aware: 1,
      bridge_vids: '10 20',
      autostart: 1,
    });
    await applyByHand();
    const w = writes();
    const r = await h.pass([lan, alerting]);
    const b = outcome(r.get('dmz'));
    assert.deepEqual(b.drift, [{ field: 'bridge_vids', desired: '2-4094', actual: '10 20' }]);
    assert.equal(b.driftCorrected, false);
    assert.equal(writes(), w);
    await h.converge([lan, dmz]);
    assert.equal((await iface('vmbr2'))?.bridge_vids, '2-4094');
  });

  test("someone else's pending changes are reported and nothing is applied", async () => {
    await pve.createNetwork('pve', 'vmbr9', { type: 'bridge', autostart: 1 });
    lan.spec = { ...lan.spec, comment: 'new comment' };
    lan.generation = 3;
    const w = writes();
    const r = await h.pass([lan, dmz]);
    const a = outcome(r.get('lan'));
    assert.equal(a.notReady?.reason, 'ForeignPendingChanges');
    assert.ok(a.events?.some((e) => e.type === 'Warning' && e.reason === 'ForeignPendingChanges'));
    assert.ok(a.conditions?.some((c) => c.type === 'PendingChanges' && c.status === 'True'));
    assert.equal(writes(), w, 'no write while foreign changes are pending');
    assert.ok((await pve.listNetwork('pve')).changes?.includes('vmbr9'));

    await pve.revertNetwork('pve');
    const history = await h.converge([lan, dmz]);
    assert.ok(
      history.some((o) =>
        o.conditions?.some((c) => c.type === 'PendingChanges' && c.status === 'False'),
      ),
    );
    assert.equal(String((await iface('vmbr1'))?.comments).trim(), 'new comment');
    assert.equal(await iface('vmbr9'), undefined);
  });

  test('a restarted controller resumes from the recorded UPID instead of re-applying', async () => {
    lan.spec = { ...lan.spec, mtu: 1500 };
    lan.generation = 4;
    const first = outcome((await h.pass([lan, dmz])).get('lan'));
    const upid = first.observed?.applyUpid;
    assert.ok(upid);
    const applies = count('PUT /nodes/{node}/network');
    // A new reconciler instance sees only what status recorded.
    const restarted = new Harness(bridgeReconciler({ pve, clock, taskPollMs: 1000 }), clock);
    for (const [k, v] of h.status) restarted.status.set(k, structuredClone(v));
    const w = writes();
    const again = outcome((await restarted.pass([lan, dmz])).get('lan'));
    assert.equal(again.notReady?.reason, 'Applying');
    assert.equal(again.observed?.applyUpid, upid);
    assert.equal(writes(), w);
    await restarted.converge([lan, dmz]);
    assert.equal(count('PUT /nodes/{node}/network'), applies);
    for (const [k, v] of restarted.status) h.status.set(k, v);
  });

  test('a bridge deleted behind its back is drift (exists) and is re-created', async () => {
    await pve.deleteNetwork('pve', 'vmbr2');
    await applyByHand();
    const b = outcome((await h.pass([lan, dmz])).get('dmz'));
    assert.deepEqual(b.drift, [{ field: 'exists', desired: true, actual: false }]);
    assert.equal(b.driftCorrected, true);
    assert.match(b.actions?.[0] ?? '', /^create vmbr2 /);
    await h.converge([lan, dmz]);
    assert.equal((await iface('vmbr2'))?.bridge_vlan_aware, 1);
  });

  test('a failed apply task is reported, its staged changes reverted, and retried later', async () => {
    s.sim.faults.addTaskFailure({ type: 'srvreload', message: 'ifreload -a failed', count: 1 });
    lan.spec = { ...lan.spec, comment: 'after failure' };
    lan.generation += 1;
    const first = outcome((await h.pass([lan, dmz])).get('lan'));
    assert.equal(first.notReady?.reason, 'Applying');
    clock.advance(first.requeueAfterMs!);
    let r = outcome((await h.pass([lan, dmz])).get('lan'));
    for (let i = 0; i < 10 && r.notReady?.reason === 'Applying'; i++) {
      clock.advance(r.requeueAfterMs!);
      r = outcome((await h.pass([lan, dmz])).get('lan'));
    }
    assert.equal(r.notReady?.reason, 'ApplyFailed');
    assert.match(r.notReady?.message ?? '', /ifreload -a failed/);
    assert.ok(r.events?.some((e) => e.type === 'Warning' && e.reason === 'ApplyFailed'));
    assert.equal(r.observed?.applyUpid, undefined);
    assert.equal((await pve.listNetwork('pve')).changes, undefined, 'staged changes reverted');
    clock.advance(r.requeueAfterMs!);
    await h.converge([lan, dmz]);
    assert.equal(String((await iface('vmbr1'))?.comments).trim(), 'after failure');
  });

  test('an edit racing our apply is reported as NotConverged, then converged on a later pass', async () => {
    lan.spec = { ...lan.spec, comment: 'race' };
    lan.generation += 1;
    const first = outcome((await h.pass([lan, dmz])).get('lan'));
    assert.equal(first.notReady?.reason, 'Applying');
    // Let our task finish, then someone changes the comment before pxr confirms.
    const upid = String(first.observed?.applyUpid);
    for (let i = 0; i < 30 && (await pve.taskStatus('pve', upid)).status === 'running'; i++) {
      clock.advance(1000);
    }
    await pve.updateNetwork('pve', 'vmbr1', {
      type: 'bridge',
      bridge_ports: 'eno2 eno3',
      cidr: '10.10.0.1/24',
      mtu: 1500,
      autostart: 1,
      comments: 'racer',
    });
    await applyByHand();
    const w = writes();
    const r = outcome((await h.pass([lan, dmz])).get('lan'));
    assert.equal(r.notReady?.reason, 'NotConverged');
    assert.ok(r.events?.some((e) => e.reason === 'NotConverged'));
    assert.equal(writes(), w, 'no immediate re-apply');
    clock.advance(r.requeueAfterMs!);
    await h.converge([lan, dmz]);
    assert.equal(String((await iface('vmbr1'))?.comments).trim(), 'race');
  });

  test('an existing bridge pxr does not own is refused unless adopted', async () => {
    const mgmt = bridge('mgmt', {
      iface: 'vmbr0',
      ports: ['eno1'],
      cidr: '192.168.100.10/24',
      gateway: '192.168.100.1',
    });
    const r = await h.pass([mgmt]);
    const err = r.get('mgmt');
    assert.ok(isTerminal(err), err instanceof Error ? err.message : JSON.stringify(err));
    assert.equal(err.reason, 'NotOwned');
  });

  test('the API bridge is protected: re-porting it is refused without allowApiBridge', async () => {
    const mgmt = bridge('mgmt', {
      iface: 'vmbr0',
      ports: ['eno4'],
      cidr: '192.168.100.10/24',
      gateway: '192.168.100.1',
      adopt: true,
    });
    const w = writes();
    const r = await h.pass([mgmt]);
    const err = r.get('mgmt');
    assert.ok(isTerminal(err), err instanceof Error ? err.message : JSON.stringify(err));
    assert.equal(err.reason, 'ApiBridgeProtected');
    assert.match(err.message, /refusing to change bridge_ports of vmbr0 on pve/);
    assert.equal(writes(), w);
    assert.equal((await iface('vmbr0'))?.bridge_ports, 'eno1');
  });

  test('the node address is checked on every bridge of a pass, also after one protected by its gateway', async () => {
    const apinet = bridge('apinet', { iface: 'vmbr6', cidr: '10.60.0.10/24' });
    await h.converge([apinet]);
    const node = s.sim.state.nodes['pve']!;
    const ip = node.ip;
    node.ip = '10.60.0.10'; // the address /cluster/status gives for the node
    try {
      const mgmt = bridge('mgmt', {
        iface: 'vmbr0',
        ports: ['eno4'],
        cidr: '192.168.100.10/24',
        gateway: '192.168.100.1',
        adopt: true,
      });
      const readdressed = { ...apinet, spec: { ...apinet.spec, cidr: '10.60.0.11/24' } };
      const w = writes();
      const r = await h.pass([mgmt, readdressed]);
      const err = r.get('apinet');
      assert.ok(isTerminal(err), err instanceof Error ? err.message : JSON.stringify(err));
      assert.equal(err.reason, 'ApiBridgeProtected');
      assert.equal(writes(), w);
      assert.equal((await iface('vmbr6'))?.cidr, '10.60.0.10/24');
    } finally {
      node.ip = ip;
    }
  });

  test('finalize deletes owned bridges with one apply and lets go of unowned ones', async () => {
    const stranger = bridge('stranger', { iface: 'vmbr0' });
    const applies = count('PUT /nodes/{node}/network');
    const first = await h.finalize([dmz, stranger]);
    assert.equal(first.get('stranger'), 'done');
    const d = outcome(first.get('dmz'));
    assert.deepEqual(d.actions?.[0], 'delete vmbr2');
    assert.equal(count('PUT /nodes/{node}/network'), applies + 1);
    let v = await h.finalize([dmz]);
    for (let i = 0; i < 20 && v.get('dmz') !== 'done'; i++) {
      clock.advance(outcome(v.get('dmz')).requeueAfterMs ?? 1000);
      v = await h.finalize([dmz]);
    }
    assert.equal(v.get('dmz'), 'done');
    assert.equal(await iface('vmbr2'), undefined);
    assert.ok(await iface('vmbr0'));
    assert.equal(count('PUT /nodes/{node}/network'), applies + 1);
  });
});
