/**
 * SdnZone and VNet against the simulator with the real client: a zone, a vnet and its subnet go live
 * with ONE `PUT /cluster/sdn` under the PVE 9 lock (and without it on a PVE 8 server), a plan and a
 * converged sweep write nothing, a subnet edited by hand is put back and recorded.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BOTH, converge, startSdnRig, vnetDoc, zoneDoc, type SdnRig } from './rig.js';

describe('SDN kinds on a PVE 9 server (with the lock)', () => {
  let rig: SdnRig;
  before(async () => {
    rig = await startSdnRig();
  });
  after(() => rig.close());

  test('zone + vnet + subnet are written pending and applied with one PUT /cluster/sdn', async () => {
    rig.apply([zoneDoc(), vnetDoc()]);
    await converge(rig, BOTH);
    assert.equal(rig.count('PUT /cluster/sdn'), 1, 'one apply for the whole batch');
    assert.ok(rig.count('POST /cluster/sdn/lock') >= 1, 'the lock was taken');
    assert.equal(rig.s.sim.state.sdn?.lockToken, null, 'and released');
    const running = rig.s.sim.state.sdn.running!;
    assert.equal(running.zones['meshzone']?.['type'], 'simple');
    assert.equal(running.zones['meshzone']?.['dhcp'], 'dnsmasq');
    assert.equal(running.vnets['mesh']?.['zone'], 'meshzone');
    const sub = running.subnets['meshzone-172.16.100.0-24'];
    assert.equal(sub?.['gateway'], '172.16.100.1');
    assert.equal(sub?.['snat'], 1);
    assert.deepEqual(sub?.['dhcp-range'], [
      'start-address=172.16.100.100,end-address=172.16.100.200',
    ]);
    // every write of the batch carried the lock token
    const sdnWrites = rig.s.sim.requests
      .list()
      .filter((r) => r.method === 'POST' && /^\/cluster\/sdn\/(zones|vnets)/.test(r.route));
    assert.equal(sdnWrites.length, 3, 'zone, vnet, subnet');
    for (const w of sdnWrites) assert.equal(typeof w.params['lock-token'], 'string', w.route);
    assert.ok(rig.reasons('VNet', 'mesh').includes('SdnApplied'));
    // the node brought the vnet up
    assert.ok(rig.s.sim.state.nodes['pve']!.network.sdnUp?.includes('mesh'));
  });

  test('a plan (pxr diff) and a converged sweep write nothing, to Proxmox or SQLite', async () => {
    const writes = rig.writes();
    const rows = rig.store.totalChanges();
    const plans = await rig.manager.planAll();
    for (const p of plans) {
      assert.equal(p.state, 'planned', `${p.obj.kind}/${p.obj.name}`);
    }
    const all = (): number => Object.values(rig.pve.calls()).reduce((n, c) => n + c.count, 0);
    const calls = all();
    await rig.sweep();
    assert.equal(rig.writes(), writes, 'no Proxmox write');
    assert.equal(rig.store.totalChanges(), rows, 'no SQLite write');
    // per kind: zones, vnets and the vnet's subnets with ?pending=1, and the nodes' SDN status
    assert.equal(all() - calls, 8, 'reads of a converged sweep of both kinds');
  });

  test('a subnet edited by hand (and applied) is put back and recorded as drift', async () => {
    const path = '/cluster/sdn/vnets/mesh/subnets/meshzone-172.16.100.0-24';
    await rig.pve.put(path, { gateway: '172.16.100.254', delete: 'snat' });
    await rig.pve.put('/cluster/sdn', {});
    await rig.sweep();
    await converge(rig, BOTH);
    const sub = rig.s.sim.state.sdn!.running!.subnets['meshzone-172.16.100.0-24'];
    assert.equal(sub?.['gateway'], '172.16.100.1');
    assert.equal(sub?.['snat'], 1);
    const drift = rig.store.drift.list({ kind: 'VNet', name: 'mesh' });
    const fields = drift.map((d) => d.field).sort();
    assert.ok(fields.includes('subnets[172.16.100.0/24].gateway'), fields.join(','));
    assert.ok(fields.includes('subnets[172.16.100.0/24].snat'), fields.join(','));
  });

  test('a hand edit left pending on a managed subnet is overwritten, not applied', async () => {
    const path = '/cluster/sdn/vnets/mesh/subnets/meshzone-172.16.100.0-24';
    await rig.pve.put(path, { gateway: '172.16.100.254' });
    const puts = rig.count('PUT /cluster/sdn');
    await rig.sweep();
    await converge(rig, BOTH);
    const sdn = rig.s.sim.state.sdn!;
    assert.equal(sdn.config.subnets['meshzone-172.16.100.0-24']?.['gateway'], '172.16.100.1');
    assert.equal(sdn.running!.subnets['meshzone-172.16.100.0-24']?.['gateway'], '172.16.100.1');
    assert.equal(rig.count('PUT /cluster/sdn'), puts, 'nothing left to apply');
    const open = rig.store.drift
      .list({ kind: 'VNet', name: 'mesh' })
      .filter((d) => String(d.actual).includes('pending'));
    assert.ok(open.length > 0, 'recorded as drift');
  });
});

describe('SDN kinds on a PVE 8 server (no lock endpoint)', () => {
  let rig: SdnRig;
  before(async () => {
    rig = await startSdnRig({ sdnLock: false });
  });
  after(() => rig.close());

  test('the batch runs without the lock, still one PUT /cluster/sdn', async () => {
    rig.apply([zoneDoc(), vnetDoc()]);
    await converge(rig, BOTH);
    assert.equal(rig.count('PUT /cluster/sdn'), 1);
    assert.equal(rig.count('POST /cluster/sdn/lock'), 1, 'asked once, learnt there is none');
    const tokens = rig.s.sim.requests
      .list()
      .filter((r) => r.method !== 'GET' && r.params['lock-token'] !== undefined);
    assert.deepEqual(tokens, [], 'no lock-token sent to a server without the lock');
    assert.equal(rig.s.sim.state.sdn!.running!.vnets['mesh']?.['zone'], 'meshzone');
  });
});
