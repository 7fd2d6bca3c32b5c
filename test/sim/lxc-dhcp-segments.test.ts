/**
 * The simulated DHCP per L2 segment (issue 13): a container on an appliance's LAN leases from the
 * LAN the appliance routes (its static address), not from a made-up subnet; a VLAN tag is another
 * segment; leases are unique per segment; a NIC moved to another segment gets a new lease.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { startSim, type StartedSim } from '../helpers/sim.js';

const DEBIAN = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

describe('simulated DHCP per segment', () => {
  const clock = new ManualClock();
  let s: StartedSim;
  const pve = () => s.api.nodes.$('pve');

  async function finish(upid: string): Promise<void> {
    clock.advance(60_000);
    const st = await pve().tasks.$(upid).status.$get();
    assert.equal(st.status, 'stopped');
  }
  async function running(vmid: number, nets: Record<string, string>): Promise<void> {
    await finish(
      await pve().lxc.$post({
        vmid,
        ostemplate: DEBIAN,
        storage: 'local-lvm',
        features: 'nesting=1',
        ...nets,
      }),
    );
    await finish(await pve().lxc.$(vmid).status.start.$post());
  }
  async function eth(vmid: number, name = 'eth0'): Promise<string | undefined> {
    const ifs = (await pve().lxc.$(vmid).interfaces.$get()) as { name: string; inet?: string }[];
    return ifs.find((i) => i.name === name)?.inet;
  }

  before(async () => {
    s = await startSim({ clock });
    // An isolated LAN bridge with no host address, as an appliance's LAN is.
    await pve().network.$post({ iface: 'vmbr10', type: 'bridge', autostart: true });
    await finish(await pve().network.$put());
    // The appliance: WAN on vmbr0, LAN 10.20.0.1/24 on vmbr10.
    await running(200, {
      net0: 'name=eth0,bridge=vmbr0,ip=dhcp',
      net1: 'name=eth1,bridge=vmbr10,ip=10.20.0.1/24',
    });
  });
  after(() => s.close());

  test("a member of the appliance's LAN leases from the LAN's subnet", async () => {
    await running(201, { net0: 'name=eth0,bridge=vmbr10,ip=dhcp' });
    await running(202, { net0: 'name=eth0,bridge=vmbr10,ip=dhcp' });
    const a = await eth(201);
    const b = await eth(202);
    assert.match(a ?? '', /^10\.20\.0\.(1\d\d|2[0-4]\d)\/24$/);
    assert.match(b ?? '', /^10\.20\.0\.(1\d\d|2[0-4]\d)\/24$/);
    assert.notEqual(a, b, 'unique on the segment');
  });

  test('a VLAN tag is another segment: another subnet, not the LAN of the untagged one', async () => {
    await running(203, { net0: 'name=eth0,bridge=vmbr10,ip=dhcp,tag=20' });
    const tagged = await eth(203);
    assert.ok(tagged !== undefined);
    assert.doesNotMatch(tagged, /^10\.20\.0\./);
    assert.match(tagged, /^10\.10\.20\.\d+\/24$/);
  });

  test('two bridges without addresses do not share one pool', async () => {
    await pve().network.$post({ iface: 'lanb', type: 'bridge', autostart: true });
    await pve().network.$post({ iface: 'lanc', type: 'bridge', autostart: true });
    await finish(await pve().network.$put());
    await running(204, { net0: 'name=eth0,bridge=lanb,ip=dhcp' });
    await running(205, { net0: 'name=eth0,bridge=lanc,ip=dhcp' });
    const b = (await eth(204))?.split('.').slice(0, 3).join('.');
    const c = (await eth(205))?.split('.').slice(0, 3).join('.');
    assert.notEqual(b, c);
  });

  test('a NIC moved to another segment gets a lease there', async () => {
    const before = await eth(201);
    await pve().lxc.$(201).config.$put({ net0: 'name=eth0,bridge=vmbr10,ip=dhcp,tag=30' });
    const after = await eth(201);
    assert.notEqual(after, before);
    assert.match(after ?? '', /^10\.10\.30\.\d+\/24$/);
  });
});
