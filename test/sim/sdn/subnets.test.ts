import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sdnHarness, type SdnHarness } from './harness.js';
import { sdnCreateVnet, sdnCreateZone } from '../../../src/pve/sdn.js';

const SUBNETS = '/cluster/sdn/vnets/web/subnets';

describe('simulated SDN subnets over HTTP', () => {
  let h: SdnHarness;
  before(async () => {
    h = await sdnHarness();
  });
  after(async () => {
    await h.close();
  });
  beforeEach(async () => {
    h.reset();
    await sdnCreateZone(h.pve, { zone: 'lan', type: 'simple', ipam: 'pve', dhcp: 'dnsmasq' });
    await sdnCreateVnet(h.pve, { vnet: 'web', zone: 'lan' });
  });

  test('a subnet is named zone-network-mask and reads back with cidr, mask and parsed ranges', async () => {
    const r = await h.wire('POST', SUBNETS, {
      subnet: '10.0.0.0/24',
      type: 'subnet',
      gateway: '10.0.0.1',
      snat: 1,
      'dhcp-range': ['start-address=10.0.0.100,end-address=10.0.0.199'],
      'dhcp-dns-server': '10.0.0.1',
    });
    assert.deepEqual([r.status, r.body], [200, { data: null }]);
    const list = await h.wire('GET', SUBNETS);
    const [s] = list.body.data as Record<string, unknown>[];
    assert.deepEqual(
      { ...s, digest: typeof s?.['digest'] },
      {
        id: 'lan-10.0.0.0-24',
        subnet: 'lan-10.0.0.0-24',
        type: 'subnet',
        vnet: 'web',
        zone: 'lan',
        network: '10.0.0.0',
        mask: '24',
        cidr: '10.0.0.0/24',
        gateway: '10.0.0.1',
        snat: 1,
        'dhcp-dns-server': '10.0.0.1',
        'dhcp-range': [{ 'start-address': '10.0.0.100', 'end-address': '10.0.0.199' }],
        digest: 'string',
      },
    );
    const one = await h.wire('GET', `${SUBNETS}/lan-10.0.0.0-24`, { pending: 1 });
    assert.equal((one.body.data as Record<string, unknown>)['state'], 'new');
    const dup = await h.wire('POST', SUBNETS, { subnet: '10.0.0.0/24', type: 'subnet' });
    assert.equal(
      dup.statusText,
      "create sdn subnet object failed: sdn subnet object ID 'lan-10.0.0.0-24' already defined",
    );
    const inUse = await h.wire('DELETE', '/cluster/sdn/vnets/web');
    assert.equal(
      inUse.statusText,
      'delete sdn vnet object failed: 400 Parameter verification failed.',
    );
    assert.match(String(inUse.body.message), /vnet: Can't delete vnet if subnets exists\n/);
  });

  test('gateway and DHCP ranges must lie inside the subnet; ranges must not overlap', async () => {
    const cases: [Record<string, string | string[]>, string][] = [
      [{ gateway: '10.1.0.1' }, 'gateway: 10.1.0.1 is not in subnet 10.0.0.0/24'],
      [
        { 'dhcp-range': ['start-address=10.0.0.10,end-address=10.0.1.20'] },
        'dhcp-range: end-address 10.0.1.20 is not in subnet 10.0.0.0/24',
      ],
      [
        { 'dhcp-range': ['start-address=10.0.0.50,end-address=10.0.0.20'] },
        'dhcp-range: start-address 10.0.0.50 must be smaller than end-address 10.0.0.20',
      ],
      [
        {
          'dhcp-range': [
            'start-address=10.0.0.10,end-address=10.0.0.20',
            'start-address=10.0.0.15,end-address=10.0.0.30',
          ],
        },
        'dhcp-range: dhcp ranges must not overlap',
      ],
    ];
    for (const [extra, line] of cases) {
      const r = await h.wire('POST', SUBNETS, { subnet: '10.0.0.0/24', type: 'subnet', ...extra });
      assert.equal(r.status, 500, line);
      assert.equal(
        r.statusText,
        'create sdn subnet object failed: 400 Parameter verification failed.',
      );
      assert.ok(String(r.body.message).includes(`${line}\n`), String(r.body.message));
    }
    const badId = await h.wire('POST', SUBNETS, { subnet: '10.0.0.0/33', type: 'subnet' });
    assert.deepEqual(badId.body.errors, {
      subnet: 'invalid format - value does not look like a valid CIDR network\n',
    });
    // a /32 point-to-point subnet may have its gateway outside
    const p2p = await h.wire('POST', SUBNETS, {
      subnet: '10.9.9.9/32',
      type: 'subnet',
      gateway: '10.0.0.1',
    });
    assert.equal(p2p.status, 200);
    const aware = await h.wire('POST', '/cluster/sdn/vnets', {
      vnet: 'aware',
      zone: 'lan',
      vlanaware: 1,
    });
    assert.equal(aware.status, 200);
    const onAware = await h.wire('POST', '/cluster/sdn/vnets/aware/subnets', {
      subnet: '10.2.0.0/24',
      type: 'subnet',
    });
    assert.match(
      String(onAware.body.message),
      /vnet: you can't add a subnet on a vlanaware vnet\n/,
    );
    const wrong = await h.wire('GET', '/cluster/sdn/vnets/aware/subnets/lan-10.9.9.9-32');
    assert.deepEqual([wrong.status, wrong.body.errors], [400, { vnet: 'wrong vnet' }]);
  });
});
