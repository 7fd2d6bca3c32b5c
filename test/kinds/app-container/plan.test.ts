/**
 * The AppContainer's plan step on its own (issue 9), against the simulator over HTTP with the real
 * client: plan lists every difference with the calls apply would make and whether it is drift, and
 * writes nothing (counted in the simulator's request log); `pxr/drift: alert` through planAndApply
 * leaves a drifted container as it is and reports the drift.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ObjectOutcome, ObjectPlan, PlannedChange } from '../../../src/core/kind.js';
import type { Params } from '../../../src/pve/types.js';
import { ct, rig, simCt, waitTaskByHand, withSpec, type Ct, type Rig } from './harness.js';

const VMID = 7300;
const CONFIG = `PUT /nodes/pve/lxc/${VMID}/config`;

function ok(v: ObjectOutcome | Error): ObjectOutcome {
  assert.ok(!(v instanceof Error), `unexpected error: ${v instanceof Error ? v.message : ''}`);
  return v;
}

const strip = (c: PlannedChange): Omit<PlannedChange, 'actual'> => {
  const { actual: _a, ...rest } = c;
  return rest;
};

describe('AppContainer plan: observe → plan → apply', () => {
  let r: Rig;
  let obj: Ct;
  const writesInSim = (): number =>
    r.s.sim.requests.list().filter((e) => e.method !== 'GET').length;

  /** Plans `o` alone and checks that planning made no write. */
  async function plan(o: Ct): Promise<ObjectPlan> {
    const before = writesInSim();
    const out = (await r.h.reconciler.plan(r.h.ctx([o]), [o])).get(o.name);
    assert.ok(
      out && !(out instanceof Error),
      `plan failed: ${out instanceof Error ? out.message : 'none'}`,
    );
    assert.equal(writesInSim() - before, 0, 'plan made no write request');
    return out;
  }
  const byHand = (params: Params): Promise<unknown> =>
    r.pve.put(`/nodes/pve/lxc/${VMID}/config`, params);

  before(async () => {
    r = await rig();
    obj = ct('planned', {
      vmid: VMID,
      network: { bridge: 'vmbr1', ip: '10.10.0.30/24', gateway: '10.10.0.1', firewall: false },
    });
  });
  after(() => r.close());

  test('an absent container plans `exists` (not drift), with the create call', async () => {
    const p = await plan(obj);
    assert.deepEqual(p.changes.map(strip), [
      { field: 'exists', desired: true, calls: ['POST /nodes/pve/lxc'], drift: false },
    ]);
    assert.equal(simCt(r, VMID), undefined, 'nothing created by planning');
    await r.h.converge(obj);
    assert.equal(simCt(r, VMID)?.status, 'running');
  });

  test('a converged container plans no change and reads one config', async () => {
    // The shared list read after pxr's own last act is trusted for the power state (no extra read).
    r.clock.advance(1000);
    const before = r.s.sim.requests.count();
    const p = await plan(obj);
    assert.deepEqual(p.changes, []);
    assert.equal(p.waiting, undefined);
    // The shared list (TTL 0 in this rig) and the config read: nothing else.
    const routes = r.s.sim.requests
      .list()
      .slice(before)
      .map((e) => `${e.method} ${e.route}`);
    assert.deepEqual(routes.sort(), [
      'GET /cluster/resources',
      'GET /nodes/{node}/lxc/{vmid}/pending',
    ]);
  });

  test('an edited spec plans the field as a spec change with the config PUT', async () => {
    const edited = withSpec(obj, { resources: { memory: 1024 } });
    const p = await plan(edited);
    assert.deepEqual(p.changes, [
      {
        field: 'memory',
        desired: '1024',
        actual: '512',
        calls: [CONFIG],
        aliases: ['resources.memory'],
        drift: false,
      },
    ]);
    assert.equal(simCt(r, VMID)?.config['memory'], 512, 'planning changed nothing');
    ok(await r.h.pass(edited));
    assert.equal(simCt(r, VMID)?.config['memory'], 1024);
    obj = edited;
  });

  test('a hand edit of a converged container plans drift', async () => {
    await byHand({ cores: 3 });
    const p = await plan(obj);
    assert.deepEqual(p.changes, [
      {
        field: 'cores',
        desired: '1',
        actual: '3',
        calls: [CONFIG],
        aliases: ['resources.cores'],
        drift: true,
      },
    ]);
    // pxr/drift-ignore by the manifest's name of the field: neither reported nor corrected.
    const ignoring = { ...obj, annotations: { 'pxr/drift-ignore': 'resources.cores' } };
    const left = ok(await r.h.pass(ignoring));
    assert.equal(left.drift, undefined);
    assert.equal(simCt(r, VMID)?.config['cores'], 3);
    assert.equal(simCt(r, VMID)?.config['cores'], 3);
    const o = ok(await r.h.pass(obj));
    assert.deepEqual(o.drift, [{ field: 'cores', desired: '1', actual: '3' }]);
    assert.equal(o.driftCorrected, true);
    assert.equal(simCt(r, VMID)?.config['cores'], 1);
  });

  test('a container stopped by hand plans `state` drift with the start call', async () => {
    await waitTaskByHand(r, await r.pve.post<string>(`/nodes/pve/lxc/${VMID}/status/stop`));
    const p = await plan(obj);
    assert.deepEqual(p.changes, [
      {
        field: 'state',
        desired: 'running',
        actual: 'stopped',
        calls: [`POST /nodes/pve/lxc/${VMID}/status/start`],
        drift: true,
      },
    ]);
    assert.equal(simCt(r, VMID)?.status, 'stopped');
  });

  test('under pxr/drift: alert the drift is reported and the container left as it is', async () => {
    const watched = { ...obj, annotations: { 'pxr/drift': 'alert' } };
    await byHand({ swap: 0 });
    const writes = writesInSim();
    const o = ok(await r.h.pass(watched));
    assert.deepEqual(o.drift, [
      { field: 'swap', desired: '512', actual: '0' },
      { field: 'state', desired: 'running', actual: 'stopped' },
    ]);
    assert.equal(o.driftCorrected, false);
    assert.equal(writesInSim(), writes, 'nothing written under alert');
    assert.equal(simCt(r, VMID)?.status, 'stopped');
    assert.equal(simCt(r, VMID)?.config['swap'], 0);
    await r.h.converge(obj); // back to correcting
    assert.equal(simCt(r, VMID)?.status, 'running');
    assert.equal(simCt(r, VMID)?.config['swap'], 512);
  });

  test('a spec change is applied under alert while the drift beside it is held', async () => {
    await byHand({ swap: 0 });
    const edited = {
      ...withSpec(obj, { resources: { memory: 1024, swap: 256 } }),
      annotations: { 'pxr/drift': 'alert' },
    };
    // Not drift: the spec changed since the last converged pass, so swap is set to the new value.
    const p = await plan(edited);
    assert.deepEqual(p.changes, [
      {
        field: 'swap',
        desired: '256',
        actual: '0',
        calls: [CONFIG],
        aliases: ['resources.swap'],
        drift: false,
      },
    ]);
    ok(await r.h.pass(edited));
    assert.equal(simCt(r, VMID)?.config['swap'], 256);
  });

  test('adopting plans the takeover without claiming; unreadable fields are unknown', async () => {
    const upid = await r.pve.post<string>('/nodes/pve/lxc', {
      vmid: 7301,
      ostemplate: 'local:vztmpl/alpine-3.20-default_20240908_amd64.tar.xz',
      rootfs: 'local-lvm:2',
      hostname: 'handmade',
    });
    await waitTaskByHand(r, upid);
    const adopter = ct('handmade', { vmid: 7301, adopt: true, state: 'stopped' });
    const p = await plan(adopter);
    assert.deepEqual(p.unknown, ['template', 'auth.password', 'auth.sshPublicKeys']);
    assert.ok(
      p.changes.some((c) => c.field === 'description' && !c.drift),
      JSON.stringify(p.changes.map((c) => c.field)),
    );
    assert.deepEqual(r.h.store.inventory.listByOwner(adopter.uid), [], 'plan claims nothing');
    ok(await r.h.pass(adopter));
    assert.equal(r.h.store.inventory.listByOwner(adopter.uid).length, 1, 'apply claims it');
  });
});
