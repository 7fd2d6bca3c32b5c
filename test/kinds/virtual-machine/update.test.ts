/**
 * Changes to a running VM: a NIC moved to another bridge is hot-plugged (no restart); a memory change
 * pends (PendingRestart) until `restartPolicy: onChange` reboots it; a cloud-init change regenerates
 * the drive; a change by hand is drift, corrected and recorded; the power state converges.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { qemuCloudinit, qemuPower, qemuUpdateConfig } from '../../../src/pve/qemu.js';
import { vm, vmRig, withSpec, type VmRig } from './harness.js';

const cond = (r: VmRig, name: string, type: string): string | undefined =>
  r.h.status.get(name)?.conditions.find((c) => c.type === type)?.status;

describe('VirtualMachine update', () => {
  let r: VmRig;
  before(async () => {
    r = await vmRig();
  });
  after(async () => r?.close());

  test('a NIC moved from vmbr1 to vmbr2 on a running VM is hot-plugged: no reboot, MAC kept', async () => {
    let o = vm('mover', { networks: [{ bridge: 'vmbr1' }], cloudInit: { user: 'ops' } });
    await r.h.converge(o);
    const vmid = r.vmid('mover');
    const mac = String(r.sim(vmid)?.config['net0']).split(',')[0];
    const started = r.count('POST /nodes/{node}/qemu/{vmid}/status/start');
    o = withSpec(o, { networks: [{ bridge: 'vmbr2' }] });
    const hist = await r.h.converge(o);
    assert.equal(r.sim(vmid)?.status, 'running');
    assert.match(String(r.sim(vmid)?.config['net0']), /bridge=vmbr2/);
    assert.equal(String(r.sim(vmid)?.config['net0']).split(',')[0], mac);
    assert.deepEqual(r.sim(vmid)?.pending, {});
    assert.equal(r.count('POST /nodes/{node}/qemu/{vmid}/status/reboot'), 0);
    assert.equal(r.count('POST /nodes/{node}/qemu/{vmid}/status/start'), started);
    assert.ok(hist.every((h) => !h.actions?.some((a) => /reboot/.test(a))));
    assert.equal(cond(r, 'mover', 'PendingRestart'), 'False');
  });

  test('a memory change pends (PendingRestart) until restartPolicy onChange reboots', async () => {
    let o = vm('mem', { memory: 1024 });
    await r.h.converge(o);
    const vmid = r.vmid('mem');
    o = withSpec(o, { memory: 2048 });
    await r.h.converge(o);
    assert.equal(r.sim(vmid)?.pending['memory'], '2048');
    assert.equal(cond(r, 'mem', 'PendingRestart'), 'True');
    // Converged while pending: a pass writes nothing.
    const w = r.writes();
    r.clock.advance(60_000);
    await r.h.converge(o);
    assert.equal(r.writes(), w);
    o = withSpec(o, { restartPolicy: 'onChange' });
    const hist = await r.h.converge(o);
    assert.ok(
      hist.some((h) => h.actions?.some((a) => /rebooting VM/.test(a))),
      'rebooted',
    );
    assert.equal(r.sim(vmid)?.config['memory'], '2048');
    assert.deepEqual(r.sim(vmid)?.pending, {});
    assert.equal(cond(r, 'mem', 'PendingRestart'), 'False');
  });

  test('a cloud-init change is written and the drive regenerated', async () => {
    let o = vm('ci', { cloudInit: { user: 'ops', searchdomain: 'a.example' } });
    await r.h.converge(o);
    const vmid = r.vmid('ci');
    const regen = r.count('PUT /nodes/{node}/qemu/{vmid}/cloudinit');
    o = withSpec(o, {
      cloudInit: { user: 'admin', searchdomain: 'b.example', passwordFile: '/secrets/vm-password' },
    });
    await r.h.converge(o);
    assert.equal(r.sim(vmid)?.config['ciuser'], 'admin');
    assert.equal(r.sim(vmid)?.config['searchdomain'], 'b.example');
    assert.match(String(r.sim(vmid)?.config['cipassword']), /^\$5\$/);
    assert.equal(r.count('PUT /nodes/{node}/qemu/{vmid}/cloudinit'), regen + 1);
    const items = await qemuCloudinit(r.pve, 'pve', vmid);
    assert.deepEqual(
      items.filter((i) => i.pending !== undefined || i.delete !== undefined),
      [],
      'the drive was generated from the config as it is',
    );
    assert.ok(items.some((i) => i.key === 'ciuser' && i.value === 'admin'));
  });

  test('drift by hand is corrected and recorded as drift', async () => {
    const o = vm('drifty', { cpu: { cores: 2 }, tags: ['web'] });
    await r.h.converge(o);
    const vmid = r.vmid('drifty');
    await qemuUpdateConfig(r.pve, 'pve', vmid, { cores: 4, tags: 'web;pxr;extra' });
    r.clock.advance(60_000);
    const [first] = await r.h.converge(o);
    const drift = first?.drift ?? [];
    assert.ok(
      drift.some((d) => d.field === 'cores'),
      JSON.stringify(drift),
    );
    assert.ok(drift.some((d) => d.field === 'tags'));
    assert.equal(r.sim(vmid)?.config['cores'], 2);
    assert.equal(r.sim(vmid)?.config['tags'], 'pxr;web');
  });

  test('a VM stopped by hand is started again; state stopped shuts it down', async () => {
    let o = vm('power');
    await r.h.converge(o);
    const vmid = r.vmid('power');
    await r.finish(await qemuPower(r.pve, 'pve', vmid, 'stop'));
    r.clock.advance(60_000);
    await r.h.converge(o);
    assert.equal(r.sim(vmid)?.status, 'running');
    o = withSpec(o, { state: 'stopped' });
    await r.h.converge(o);
    assert.equal(r.sim(vmid)?.status, 'stopped');
    assert.equal(r.h.status.get('power')?.observed['state'], 'stopped');
  });

  test('a disk grows; a smaller size is refused (Proxmox cannot shrink)', async () => {
    let o = vm('grow', { disks: [{ size: 4 }] });
    await r.h.converge(o);
    const vmid = r.vmid('grow');
    o = withSpec(o, { disks: [{ size: 9 }] });
    await r.h.converge(o);
    assert.match(String(r.sim(vmid)?.config['scsi0']), /size=9G/);
    o = withSpec(o, { disks: [{ size: 5 }] });
    const out = await r.h.pass(o);
    assert.ok(out instanceof Error && /cannot shrink/.test(out.message));
  });
});
