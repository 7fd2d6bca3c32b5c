/**
 * GET /agent/network-get-interfaces over HTTP: `No QEMU guest agent configured`, `VM N is not
 * running`, `QEMU guest agent is not running` (still booting, or disabled), then the agent's
 * view: the static address of `ipconfigN`, or a lease from the NIC segment's DHCP pool.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pveError } from '../../helpers/sim.js';
import { qemuAgentInterfaces, qemuPower, qemuUpdateConfig } from '../../../src/pve/qemu.js';
import { AGENT_BOOT_MS } from '../../../src/sim/qemu/runtime.js';
import { NODE, qemuRig, type QemuRig } from './rig.js';

describe('qemu guest agent', () => {
  let r: QemuRig;
  const ifaces = (vmid: number) =>
    r.s.api.nodes.$(NODE).qemu.$(vmid).agent['network-get-interfaces'].$get();
  before(async () => {
    r = await qemuRig();
    await r.create(400, {
      agent: 'enabled=1',
      net0: 'virtio=BC:24:11:00:04:00,bridge=vmbr0',
      net1: 'virtio=BC:24:11:00:04:01,bridge=vmbr0,tag=30',
      ide2: 'local-lvm:cloudinit',
      ipconfig0: 'ip=192.168.1.50/24,gw=192.168.1.1',
      ipconfig1: 'ip=dhcp',
    });
    await r.create(401, { net0: 'virtio,bridge=vmbr0' });
  });
  after(() => r.close());

  test('no agent configured, VM not running, agent not yet up', async () => {
    const none = await pveError(ifaces(401));
    assert.deepEqual([none.status, none.message], [500, 'No QEMU guest agent configured\n']);
    const down = await pveError(ifaces(400));
    assert.deepEqual([down.status, down.message], [500, 'VM 400 is not running\n']);
    const upid = await qemuPower(r.pve, NODE, 400, 'start');
    assert.equal(await r.finish(upid), 'OK');
    // finish() advanced 30 s past the start's end: the guest has booted; a fresh start has not
    assert.ok(AGENT_BOOT_MS <= 30_000);
  });

  test('the agent reports the static address and a DHCP lease on the tagged segment', async () => {
    const res = await qemuAgentInterfaces(r.pve, NODE, 400);
    assert.deepEqual(
      res.map((i) => i.name),
      ['lo', 'eth0', 'eth1'],
    );
    const eth0 = res[1]!;
    assert.equal(eth0['hardware-address'], 'bc:24:11:00:04:00');
    assert.deepEqual(eth0['ip-addresses']?.[0], {
      'ip-address': '192.168.1.50',
      'ip-address-type': 'ipv4',
      prefix: 24,
    });
    const v4 = res[2]!['ip-addresses']?.find((a) => a['ip-address-type'] === 'ipv4');
    assert.ok(v4, 'eth1 has a DHCP lease');
    // the same answer twice: the lease is kept
    const again = await qemuAgentInterfaces(r.pve, NODE, 400);
    assert.deepEqual(again[2]!['ip-addresses'], res[2]!['ip-addresses']);
  });

  test('just after a reboot the agent is not running yet; enabling it on a running VM waits', async () => {
    await r.create(402, { net0: 'virtio,bridge=vmbr0' });
    assert.equal(await r.finish(await qemuPower(r.pve, NODE, 402, 'start')), 'OK');
    await qemuUpdateConfig(r.pve, NODE, 402, { agent: '1' });
    const pending = await pveError(ifaces(402));
    assert.deepEqual([pending.status, pending.message], [500, 'No QEMU guest agent configured\n']);
    const upid = await qemuPower(r.pve, NODE, 402, 'reboot');
    r.clock.advance(6_000); // the reboot task ends; the guest OS is still booting
    assert.equal((await r.pve.taskStatus(NODE, upid)).exitstatus, 'OK');
    const booting = await pveError(ifaces(402));
    assert.deepEqual([booting.status, booting.message], [500, 'QEMU guest agent is not running\n']);
    r.clock.advance(AGENT_BOOT_MS);
    const up = await qemuAgentInterfaces(r.pve, NODE, 402);
    assert.equal(up.length, 2);
  });
});
