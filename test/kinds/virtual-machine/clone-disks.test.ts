/**
 * A clone keeps the template's disks: with no `disks` in the spec nothing is added or deleted (the
 * OS disk of a template on virtio0 survives); a listed disk is managed, an unlisted one left alone.
 * A template without `cpu` runs kvm64: the clone gets the spec's cpu type written.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { qemuCreate, qemuTemplate } from '../../../src/pve/qemu.js';
import { IMAGE, vm, vmRig, type VmRig } from './harness.js';

describe('VirtualMachine clone disks', () => {
  let r: VmRig;
  before(async () => {
    r = await vmRig();
    // A template whose OS disk is virtio0 and which sets no cpu (qemu-server's default: kvm64).
    await r.finish(
      await qemuCreate(r.pve, 'pve', {
        vmid: 9001,
        name: 'virtio-tpl',
        memory: 1024,
        virtio0: `local-lvm:0,import-from=${IMAGE}`,
        ide2: 'local-lvm:cloudinit',
        net0: 'virtio,bridge=vmbr1',
      }),
    );
    await r.finish(await qemuTemplate(r.pve, 'pve', 9001));
  });
  after(async () => r?.close());

  test('a clone with the default disk list keeps the template boot disk virtio0', async () => {
    const o = vm('keeps', { source: { clone: { template: 'virtio-tpl', full: true } } });
    const hist = await r.h.converge(o);
    const conf = r.sim(r.vmid('keeps'))?.config ?? {};
    assert.ok(conf['virtio0'] !== undefined, `virtio0 kept: ${JSON.stringify(conf)}`);
    assert.equal(conf['scsi0'], undefined, 'no default disk added');
    assert.ok(
      hist.every((h) => !h.actions?.some((a) => /virtio0/.test(a) && /delet|remov/.test(a))),
      'nothing deleted',
    );
    const before = r.writes();
    r.clock.advance(60_000);
    await r.h.converge(o);
    assert.equal(r.writes(), before, 'converged');
  });

  test('a clone of a template without cpu gets the spec cpu type written (absent means kvm64)', async () => {
    const o = vm('cpuless', { source: { clone: { template: 'debian-tpl' } } });
    await r.h.converge(o);
    assert.equal(r.sim(9000)?.config['cpu'], undefined, 'the template sets no cpu');
    assert.equal(r.sim(r.vmid('cpuless'))?.config['cpu'], 'x86-64-v2-AES');
  });

  test('a listed extra disk is added, the unlisted template disk stays', async () => {
    const o = vm('extra', {
      source: { clone: { template: 'virtio-tpl', full: true } },
      disks: [{ size: 2, bus: 'scsi' }],
    });
    await r.h.converge(o);
    const conf = r.sim(r.vmid('extra'))?.config ?? {};
    assert.ok(conf['virtio0'] !== undefined, 'virtio0 kept');
    assert.match(String(conf['scsi0']), /size=2G/);
  });
});
