import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sdnHarness, type SdnHarness } from './harness.js';
import { sdnApply, sdnCreateVnet, sdnCreateZone } from '../../../src/pve/sdn.js';
import { waitTask } from '../../helpers/wait-task.js';

const DEBIAN = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

describe('applied SDN vnets on the nodes (network list, guest NICs)', () => {
  let h: SdnHarness;
  const wait = (upid: string) => waitTask(h.pve, 'pve', upid, { pollMs: 20, timeoutMs: 20_000 });
  const ifaces = async (type?: string) =>
    (
      (await h.wire('GET', '/nodes/pve/network', type ? { type } : {})).body.data as {
        iface: string;
        type: string;
      }[]
    ).map((d) => `${d.iface}:${d.type}`);

  before(async () => {
    h = await sdnHarness();
  });
  after(async () => {
    await h.close();
  });
  beforeEach(async () => {
    h.reset();
    await sdnCreateZone(h.pve, { zone: 'lan', type: 'simple', ipam: 'pve' });
    await sdnCreateVnet(h.pve, { vnet: 'web', zone: 'lan', alias: 'web tier' });
  });

  test('vnets appear as type vnet only after apply, and only for vnet/any_bridge/include_sdn', async () => {
    assert.deepEqual(await ifaces('vnet'), []);
    await wait(await sdnApply(h.pve));
    const vnets = await h.wire('GET', '/nodes/pve/network', { type: 'vnet' });
    assert.deepEqual(vnets.body.data, [
      { iface: 'web', type: 'vnet', active: '1', ipam: 1, vlanaware: 0, comments: 'web tier' },
    ]);
    assert.ok((await ifaces('any_bridge')).includes('web:vnet'));
    assert.ok((await ifaces('include_sdn')).includes('web:vnet'));
    assert.ok(!(await ifaces('any_local_bridge')).includes('web:vnet'));
    assert.ok(!(await ifaces()).includes('web:vnet'));
  });

  test('a zone limited to other nodes gives this node no vnet', async () => {
    await sdnCreateZone(h.pve, { zone: 'far', type: 'simple', nodes: 'elsewhere' });
    await sdnCreateVnet(h.pve, { vnet: 'farnet', zone: 'far' });
    await wait(await sdnApply(h.pve));
    assert.deepEqual(await ifaces('vnet'), ['web:vnet']);
  });

  test('/cluster/resources?type=sdn lists running zones per node: available once reloaded', async () => {
    const sdn = async () =>
      ((await h.wire('GET', '/cluster/resources', { type: 'sdn' })).body.data as object[]).filter(
        (r) => (r as { sdn: string }).sdn !== 'localnetwork',
      );
    assert.deepEqual(await sdn(), [], 'nothing before the first apply');
    await wait(await sdnApply(h.pve));
    assert.deepEqual(await sdn(), [
      {
        id: 'sdn/pve/lan',
        type: 'sdn',
        sdn: 'lan',
        node: 'pve',
        status: 'available',
        'zone-type': 'simple',
      },
    ]);
    // a node that has not generated the running version yet (its reload failed or is under way)
    delete h.s.sim.state.nodes['pve']?.network.sdnVersion;
    assert.equal((await sdn())[0]?.['status' as never], 'pending');
  });

  test('a container can start on a vnet bridge once the SDN config is applied', async () => {
    const create = await h.s.api.nodes.$('pve').lxc.$post({
      vmid: 120,
      ostemplate: DEBIAN,
      storage: 'local-lvm',
      net0: 'name=eth0,bridge=web,ip=dhcp',
    });
    await wait(create).catch(() => undefined);
    const early = await h.s.api.nodes.$('pve').lxc.$(120).status.start.$post();
    await assert.rejects(wait(early), /startup for container '120' failed/);
    await wait(await sdnApply(h.pve));
    const start = await h.s.api.nodes.$('pve').lxc.$(120).status.start.$post();
    assert.equal(await wait(start), 'OK');
  });
});
