import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sdnHarness, type SdnHarness } from './harness.js';
import { waitTask } from '../../helpers/wait-task.js';

describe('host VLAN interfaces in the node network simulation', () => {
  let h: SdnHarness;
  before(async () => {
    h = await sdnHarness();
  });
  after(async () => {
    await h.close();
  });

  test('dotted and named vlans with addresses are staged, rendered, applied and read back', async () => {
    const dotted = await h.wire('POST', '/nodes/pve/network', {
      iface: 'vmbr0.20',
      type: 'vlan',
      cidr: '10.20.0.2/24',
      autostart: 1,
    });
    assert.deepEqual([dotted.status, dotted.body], [200, { data: null }]);
    const named = await h.wire('POST', '/nodes/pve/network', {
      iface: 'mgmt',
      type: 'vlan',
      'vlan-raw-device': 'vmbr0',
      'vlan-id': 30,
      address: '10.30.0.2',
      netmask: '255.255.255.0',
      autostart: 1,
    });
    assert.deepEqual([named.status, named.body], [200, { data: null }]);
    const noId = await h.wire('POST', '/nodes/pve/network', {
      iface: 'other',
      type: 'vlan',
      'vlan-raw-device': 'vmbr0',
    });
    assert.deepEqual([noId.status, noId.statusText], [500, 'missing vlan-id option']);
    const orphan = await h.wire('POST', '/nodes/pve/network', { iface: 'nope.40', type: 'vlan' });
    assert.equal(orphan.statusText, "vlan 'nope.40' - unable to find parent 'nope'");
    const list = await h.wire('GET', '/nodes/pve/network', { type: 'vlan' });
    const changes = String((list.body as { changes?: string }).changes);
    assert.match(
      changes,
      /\+auto vmbr0\.20\n\+iface vmbr0\.20 inet static\n\+\taddress 10\.20\.0\.2\/24\n/,
    );
    assert.match(
      changes,
      /\+iface mgmt inet static\n\+\taddress 10\.30\.0\.2\/24\n\+\tvlan-id 30\n\+\tvlan-raw-device vmbr0\n/,
    );
    const upid = (await h.wire('PUT', '/nodes/pve/network')).body.data as string;
    await waitTask(h.pve, 'pve', upid, { pollMs: 20, timeoutMs: 20_000 });
    const after = (await h.wire('GET', '/nodes/pve/network', { type: 'vlan' })).body.data as Record<
      string,
      unknown
    >[];
    const byName = Object.fromEntries(after.map((d) => [d['iface'], d]));
    assert.equal(byName['vmbr0.20']?.['cidr'], '10.20.0.2/24');
    assert.equal(byName['vmbr0.20']?.['vlan-raw-device'], 'vmbr0');
    assert.equal(byName['vmbr0.20']?.['vlan-id'], '20');
    assert.equal(byName['mgmt']?.['cidr'], '10.30.0.2/24');
    assert.equal(byName['mgmt']?.['vlan-id'], '30');
    assert.equal(byName['mgmt']?.['active'], 1);
  });
});
