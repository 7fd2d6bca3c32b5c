import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sdnHarness, type SdnHarness } from './harness.js';
import {
  sdnApply,
  sdnCreateZone,
  sdnGetZone,
  sdnListZones,
  sdnUpdateZone,
} from '../../../src/pve/sdn.js';
import { waitTask } from '../../helpers/wait-task.js';

describe('simulated SDN zones over HTTP', () => {
  let h: SdnHarness;
  before(async () => {
    h = await sdnHarness();
  });
  after(async () => {
    await h.close();
  });
  beforeEach(() => h.reset());

  test('zone ids follow pve-sdn-zone-id: a letter first, alphanumeric, at most 8 characters', async () => {
    const long = await h.wire('POST', '/cluster/sdn/zones', { zone: 'zone12345', type: 'simple' });
    assert.equal(long.status, 400);
    assert.deepEqual(long.body.errors, { zone: 'value may only be 8 characters long' });
    const bad = await h.wire('POST', '/cluster/sdn/zones', { zone: 'z-1', type: 'simple' });
    assert.deepEqual(bad.body.errors, { zone: 'value does not match the regex pattern' });
    const digit = await h.wire('POST', '/cluster/sdn/zones', { zone: '1z', type: 'simple' });
    assert.deepEqual(digit.body.errors, { zone: 'value does not match the regex pattern' });
    const ok = await h.wire('POST', '/cluster/sdn/zones', { zone: 'zone1234', type: 'simple' });
    assert.deepEqual([ok.status, ok.body], [200, { data: null }]);
  });

  test('create, duplicate, and the pending view of a new zone', async () => {
    await sdnCreateZone(h.pve, {
      zone: 'lan',
      type: 'simple',
      ipam: 'pve',
      dhcp: 'dnsmasq',
      mtu: 1450,
    });
    const dup = await h.wire('POST', '/cluster/sdn/zones', { zone: 'lan', type: 'simple' });
    assert.equal(dup.status, 500);
    assert.equal(
      dup.statusText,
      "create sdn zone object failed: sdn zone object ID 'lan' already defined",
    );
    // the edited config shows the zone with its digest; running has nothing yet
    const [edited] = await sdnListZones(h.pve);
    assert.deepEqual(
      { ...edited, digest: typeof edited?.digest },
      { zone: 'lan', type: 'simple', ipam: 'pve', dhcp: 'dnsmasq', mtu: 1450, digest: 'string' },
    );
    assert.deepEqual(await sdnListZones(h.pve, { running: true }), []);
    assert.deepEqual(await sdnListZones(h.pve, { pending: true }), [
      {
        zone: 'lan',
        type: 'simple',
        state: 'new',
        pending: { dhcp: 'dnsmasq', ipam: 'pve', mtu: 1450 },
      },
    ]);
  });

  test('after apply a change is "changed" with running values on top and new ones under pending', async () => {
    await sdnCreateZone(h.pve, {
      zone: 'vx',
      type: 'vxlan',
      peers: '10.0.0.1,10.0.0.2',
      mtu: 1450,
    });
    await waitTask(h.pve, 'pve', await sdnApply(h.pve), { pollMs: 20, timeoutMs: 10_000 });
    assert.deepEqual(await sdnListZones(h.pve, { pending: true }), [
      { zone: 'vx', type: 'vxlan', peers: '10.0.0.1,10.0.0.2', mtu: 1450 },
    ]);
    // deleting peers leaves neither peers nor fabric: the vxlan hook refuses inside the lock (500)
    const noPeers = await h.wire('PUT', '/cluster/sdn/zones/vx', { delete: 'peers' });
    assert.equal(noPeers.status, 500);
    assert.equal(
      noPeers.statusText,
      'update sdn zone object failed: 400 Parameter verification failed.',
    );
    await sdnUpdateZone(h.pve, 'vx', { mtu: 1400 });
    assert.deepEqual(await sdnGetZone(h.pve, 'vx', { pending: true }), {
      zone: 'vx',
      type: 'vxlan',
      peers: '10.0.0.1,10.0.0.2',
      mtu: 1450,
      state: 'changed',
      pending: { mtu: 1400 },
    });
    await sdnUpdateZone(h.pve, 'vx', { delete: 'mtu' });
    assert.deepEqual((await sdnGetZone(h.pve, 'vx', { pending: true })).pending, {
      mtu: 'deleted',
    });
    assert.equal((await sdnGetZone(h.pve, 'vx', { running: true })).mtu, 1450);
    assert.equal((await sdnGetZone(h.pve, 'vx')).mtu, undefined);
  });

  test('vlan zones need a bridge; unknown ipam and stale digests are refused', async () => {
    const noBridge = await h.wire('POST', '/cluster/sdn/zones', { zone: 'vl', type: 'vlan' });
    assert.deepEqual(
      [noBridge.status, noBridge.statusText],
      [500, "missing value for required option 'bridge'"],
    );
    const ipam = await h.wire('POST', '/cluster/sdn/zones', {
      zone: 'vl',
      type: 'vlan',
      bridge: 'vmbr0',
      ipam: 'nb',
    });
    assert.equal(
      ipam.statusText,
      'create sdn zone object failed: 400 Parameter verification failed.',
    );
    assert.match(String(ipam.body.message), /ipam: nb not existing\n/);
    await sdnCreateZone(h.pve, { zone: 'vl', type: 'vlan', bridge: 'vmbr0', nodes: 'pve' });
    const { digest } = await sdnGetZone(h.pve, 'vl');
    await sdnUpdateZone(h.pve, 'vl', { mtu: 1500, digest: String(digest) });
    const stale = await h.wire('PUT', '/cluster/sdn/zones/vl', {
      mtu: 1400,
      digest: String(digest),
    });
    assert.equal(
      stale.statusText,
      'update sdn zone object failed: detected modified configuration - file changed by other user? Try again.',
    );
    const missing = await h.wire('GET', '/cluster/sdn/zones/nope');
    assert.deepEqual([missing.status, missing.statusText], [500, "sdn 'nope' does not exist"]);
  });
});
