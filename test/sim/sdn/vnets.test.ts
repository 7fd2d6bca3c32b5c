import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sdnHarness, type SdnHarness } from './harness.js';
import {
  sdnApply,
  sdnCreateVnet,
  sdnCreateZone,
  sdnGetVnet,
  sdnListVnets,
  sdnUpdateVnet,
} from '../../../src/pve/sdn.js';
import { waitTask } from '../../helpers/wait-task.js';

describe('simulated SDN vnets over HTTP', () => {
  let h: SdnHarness;
  before(async () => {
    h = await sdnHarness();
  });
  after(async () => {
    await h.close();
  });
  beforeEach(async () => {
    h.reset();
    await sdnCreateZone(h.pve, { zone: 'lan', type: 'simple' });
    await sdnCreateZone(h.pve, { zone: 'tagged', type: 'vlan', bridge: 'vmbr0' });
    await sdnCreateZone(h.pve, { zone: 'vx', type: 'vxlan', peers: '10.0.0.1' });
  });

  test('an unknown zone is refused with the words of the section-config lookup', async () => {
    const r = await h.wire('POST', '/cluster/sdn/vnets', { vnet: 'v1', zone: 'nozone' });
    assert.deepEqual(
      [r.status, r.statusText],
      [500, "create sdn vnet object failed: unknown section type ''"],
    );
    assert.deepEqual(await sdnListVnets(h.pve), []);
  });

  test('tags per zone type: none on simple, 1..4096 and unique per zone on vlan, unique vxlan VNIs', async () => {
    const simple = await h.wire('POST', '/cluster/sdn/vnets', { vnet: 'a', zone: 'lan', tag: 5 });
    assert.equal(simple.status, 400, 'a one-letter id fails the pattern first');
    const tagged = await h.wire('POST', '/cluster/sdn/vnets', { vnet: 'aa', zone: 'lan', tag: 5 });
    assert.equal(
      tagged.statusText,
      'create sdn vnet object failed: 400 Parameter verification failed.',
    );
    assert.match(String(tagged.body.message), /tag: vlan tag is not allowed on simple zone\n/);
    const noTag = await h.wire('POST', '/cluster/sdn/vnets', { vnet: 'bb', zone: 'tagged' });
    assert.match(String(noTag.body.message), /tag: missing vlan tag\n/);
    const big = await h.wire('POST', '/cluster/sdn/vnets', {
      vnet: 'bb',
      zone: 'tagged',
      tag: 5000,
    });
    assert.match(String(big.body.message), /tag: vlan tag max value is 4096\n/);
    await sdnCreateVnet(h.pve, { vnet: 'bb', zone: 'tagged', tag: 20, alias: 'Office LAN' });
    const dup = await h.wire('POST', '/cluster/sdn/vnets', { vnet: 'cc', zone: 'tagged', tag: 20 });
    assert.match(String(dup.body.message), /tag: tag 20 already exist in vnet bb\n/);
    await sdnCreateVnet(h.pve, { vnet: 'vx1', zone: 'vx', tag: 100 });
    const vni = await h.wire('POST', '/cluster/sdn/vnets', { vnet: 'vx2', zone: 'vx', tag: 100 });
    assert.match(
      String(vni.body.message),
      /tag: vxlan tag 100 already exist in vnet vx1 in zone vx \n/,
    );
    const exists = await h.wire('POST', '/cluster/sdn/vnets', { vnet: 'bb', zone: 'lan' });
    assert.equal(
      exists.statusText,
      "create sdn vnet object failed: sdn vnet object ID 'bb' already defined",
    );
    assert.deepEqual(
      (await sdnListVnets(h.pve)).map((v) => [v.vnet, v.zone, v.tag, v.alias]),
      [
        ['bb', 'tagged', 20, 'Office LAN'],
        ['vx1', 'vx', 100, undefined],
      ],
    );
  });

  test('pending view, and a zone still used by a vnet cannot be deleted', async () => {
    await sdnCreateVnet(h.pve, { vnet: 'web', zone: 'lan', vlanaware: 1 });
    assert.deepEqual(await sdnGetVnet(h.pve, 'web', { pending: true }), {
      vnet: 'web',
      type: 'vnet',
      state: 'new',
      pending: { vlanaware: 1, zone: 'lan' },
    });
    await waitTask(h.pve, 'pve', await sdnApply(h.pve), { pollMs: 20, timeoutMs: 10_000 });
    await sdnUpdateVnet(h.pve, 'web', { alias: 'web tier', delete: 'vlanaware' });
    assert.deepEqual(await sdnGetVnet(h.pve, 'web', { pending: true }), {
      vnet: 'web',
      type: 'vnet',
      zone: 'lan',
      vlanaware: 1,
      state: 'changed',
      pending: { vlanaware: 'deleted', alias: 'web tier' },
    });
    const inUse = await h.wire('DELETE', '/cluster/sdn/zones/lan');
    assert.deepEqual(
      [inUse.status, inUse.statusText],
      [
        500,
        'delete sdn zone object failed: zone lan is used by vnet web at /usr/share/perl5/PVE/Network/SDN/Zones/Plugin.pm line 148.',
      ],
    );
    const noZone = await h.wire('PUT', '/cluster/sdn/vnets/web', { delete: 'zone' });
    assert.equal(
      noZone.statusText,
      "update sdn vnet object failed: unable to delete required option 'zone'",
    );
    const del = await h.wire('DELETE', '/cluster/sdn/vnets/web');
    assert.equal(del.status, 200);
    assert.equal((await sdnGetVnet(h.pve, 'web', { pending: true })).state, 'deleted');
    const gone = await h.wire('GET', '/cluster/sdn/vnets/web');
    assert.deepEqual([gone.status, gone.statusText], [500, "sdn vnet 'web' does not exist"]);
  });
});
