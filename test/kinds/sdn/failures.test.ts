/**
 * What the SDN batch does when things go wrong, against the simulator with the real client: a
 * refused PUT is rolled back, a failed reload task (the config already committed) is not; both are
 * reported with Proxmox's error, then converge; pending changes pxr did not make stop the batch (reported, shown by the
 * plan, never applied); a VNet still used by a guest is not removed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../helpers/wait.js';
import { MANAGED_KEYS } from '../../../src/kinds/sdn/managed.js';
import { NAMES as ZONE_NAMES } from '../../../src/kinds/sdn-zone/ops.js';
import { SUBNET_NAMES, VNET_NAMES } from '../../../src/kinds/vnet/ops.js';
import { BOTH, converge, startSdnRig, vnetDoc, zoneDoc, type SdnRig } from './rig.js';

const DEBIAN = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

describe('SDN batch failures', () => {
  let rig: SdnRig;
  const events = (reason: string): string[] =>
    rig.store.events
      .list({ ref: { kind: 'VNet', name: 'mesh' } })
      .filter((e) => e.reason === reason)
      .map((e) => e.message);
  const running = (): Record<string, unknown> | undefined =>
    rig.s.sim.state.sdn?.running?.vnets['mesh'];

  before(async () => {
    rig = await startSdnRig();
    rig.apply([zoneDoc(), vnetDoc()]);
    await converge(rig, BOTH);
  });
  after(() => rig.close());

  test('a failed apply task is reported with the task error, not rolled back (committed), and re-applied', async () => {
    rig.s.sim.faults.addTaskFailure({
      type: 'reloadnetworkall',
      message: 'pve: ifreload failed on mesh',
      count: 1,
    });
    const puts = rig.count('PUT /cluster/sdn');
    rig.apply([zoneDoc(), vnetDoc('mesh', { alias: 'mesh two' })]);
    const msg = await waitFor('SdnApplyFailed event', () => events('SdnApplyFailed')[0]);
    assert.match(msg, /SDN apply failed: pve: ifreload failed on mesh/);
    assert.match(msg, /committed but not reloaded on every node/);
    assert.equal(rig.count('POST /cluster/sdn/rollback'), 0, 'a rollback would undo nothing');
    // what the failed task left: pxr's change committed, nothing pending (a rollback was moot)
    assert.equal(running()?.['alias'], 'mesh two');
    await converge(rig, BOTH);
    // the retry saw the nodes not reloaded and applied again
    assert.equal(rig.count('PUT /cluster/sdn') - puts, 2);
    const node = rig.s.sim.state.nodes['pve']!.network;
    assert.equal(node.sdnVersion, rig.s.sim.state.sdn!.running!.version);
    assert.equal(running()?.['alias'], 'mesh two');
    assert.equal(rig.s.sim.state.sdn?.lockToken, null, 'lock released');
  });

  test('a refused PUT /cluster/sdn rolls the pending changes back and is retried', async () => {
    rig.s.sim.faults.addError({
      method: 'PUT',
      route: '/cluster/sdn',
      status: 500,
      message: 'could not commit SDN config: frr config invalid\n',
      count: 1,
    });
    const before = events('SdnApplyFailed').length;
    const rollbacks = rig.count('POST /cluster/sdn/rollback');
    rig.apply([zoneDoc(), vnetDoc('mesh', { alias: 'mesh three' })]);
    await waitFor('second SdnApplyFailed event', () => events('SdnApplyFailed').length > before);
    assert.match(events('SdnApplyFailed')[0]!, /frr config invalid/);
    assert.match(events('SdnApplyFailed')[0]!, /pending changes rolled back/);
    assert.ok(
      rig.count('POST /cluster/sdn/rollback') > rollbacks,
      'the refused PUT was rolled back',
    );
    await converge(rig, BOTH);
    assert.equal(running()?.['alias'], 'mesh three');
  });

  test('pending changes pxr did not make are reported, shown by the plan, and never applied', async () => {
    await rig.pve.post('/cluster/sdn/zones', { zone: 'other', type: 'simple' });
    const puts = rig.count('PUT /cluster/sdn');
    rig.apply([zoneDoc(), vnetDoc('mesh', { alias: 'mesh four' })]);
    const msg = await waitFor('ForeignPending event', () => events('ForeignPending')[0]);
    assert.match(msg, /zone other \(new\)/);
    const plans = await rig.manager.planAll();
    const mesh = plans.find((p) => p.obj.name === 'mesh');
    assert.ok(mesh?.state === 'planned' && /zone other \(new\)/.test(mesh.plan.waiting ?? ''));
    await rig.sweep();
    assert.equal(rig.count('PUT /cluster/sdn'), puts, 'nothing applied');
    assert.equal(rig.s.sim.state.sdn!.running!.zones['other'], undefined);
    assert.equal(running()?.['alias'], 'mesh three');
    assert.equal(rig.s.sim.state.sdn!.config.vnets['mesh']?.['alias'], 'mesh three', 'not written');
    // the operator rolls their change back: pxr goes on
    await rig.pve.post('/cluster/sdn/rollback', {});
    await rig.sweep();
    await converge(rig, BOTH);
    assert.equal(running()?.['alias'], 'mesh four');
  });

  test('a pending change of a setting pxr does not manage, on a vnet it manages, is foreign too', async () => {
    const before = events('ForeignPending').length;
    // an operator's GUI edit, not applied: pxr must not take it live with its own change
    await rig.pve.put('/cluster/sdn/vnets/mesh', { 'isolate-ports': 1 });
    const puts = rig.count('PUT /cluster/sdn');
    rig.apply([zoneDoc(), vnetDoc('mesh', { alias: 'mesh five' })]);
    const msg = await waitFor('ForeignPending event', () =>
      events('ForeignPending').length > before ? events('ForeignPending')[0] : undefined,
    );
    assert.match(msg, /vnet mesh \(changed: isolate-ports\)/);
    await rig.sweep();
    assert.equal(rig.count('PUT /cluster/sdn'), puts, 'nothing applied');
    assert.equal(running()?.['isolate-ports'], undefined);
    await rig.pve.post('/cluster/sdn/rollback', {});
    await rig.sweep();
    await converge(rig, BOTH);
    assert.equal(running()?.['alias'], 'mesh five');
    assert.equal(running()?.['isolate-ports'], undefined);
  });

  test("the keys counted as pxr's are the ones the SdnZone and VNet kinds write", () => {
    assert.deepEqual([...MANAGED_KEYS.zone].sort(), Object.keys(ZONE_NAMES).sort());
    assert.deepEqual([...MANAGED_KEYS.vnet].sort(), Object.keys(VNET_NAMES).sort());
    assert.deepEqual(
      [...MANAGED_KEYS.subnet].sort(),
      ['vnet', ...Object.keys(SUBNET_NAMES)].sort(),
    );
  });

  test('a VNet a guest still uses is not removed; once the guest left, vnet and zone go', async () => {
    await rig.pve.post('/nodes/pve/lxc', {
      vmid: 120,
      ostemplate: DEBIAN,
      storage: 'local-lvm',
      hostname: 'on-mesh',
      net0: 'name=eth0,bridge=mesh,ip=172.16.100.50/24',
    });
    await waitFor('CT 120 created', async () => {
      const c = await rig.pve.get<Record<string, unknown>>('/nodes/pve/lxc/120/config');
      return c['lock'] === undefined;
    });
    rig.apply([zoneDoc()]);
    const msg = await waitFor('InUse event', () => events('InUse')[0]);
    assert.equal(msg, 'vnet mesh is still used by CT 120 (net0)');
    assert.ok(running(), 'still there');
    await rig.pve.del('/nodes/pve/lxc/120');
    await waitFor('VNet removed', () => rig.store.objects.list('VNet').length === 0 || undefined);
    assert.equal(running(), undefined);
    assert.deepEqual(rig.s.sim.state.sdn!.running!.subnets, {});
    // the zone goes too once nothing is in it (a second zone keeps the source from being empty)
    rig.apply([zoneDoc('second')]);
    await waitFor(
      'zone removed',
      () => !rig.store.objects.get({ kind: 'SdnZone', name: 'meshzone' }),
    );
    assert.equal(rig.s.sim.state.sdn!.running!.zones['meshzone'], undefined);
  });
});
