/**
 * nicPolicy on a VM, as on an AppContainer: a NIC added by hand beyond the list is left in place
 * and reported (UnmanagedNic, status) by default, removed under `authoritative`; a NIC pxr made and
 * the spec dropped is pxr's to remove.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { qemuUpdateConfig } from '../../../src/pve/qemu.js';
import { vm, vmRig, withSpec, type VmRig } from './harness.js';

describe('VirtualMachine nicPolicy', () => {
  let r: VmRig;
  before(async () => {
    r = await vmRig();
  });
  after(async () => r?.close());

  test('a NIC added by hand is reported and kept; authoritative removes it', async () => {
    let o = vm('handnic', { cloudInit: { user: 'ops' } });
    await r.h.converge(o);
    const vmid = r.vmid('handnic');
    await qemuUpdateConfig(r.pve, 'pve', vmid, {
      net1: 'virtio,bridge=vmbr2',
      ipconfig1: 'ip=10.9.0.5/24',
    });
    r.clock.advance(60_000);
    const hist = await r.h.converge(o);
    assert.match(String(r.sim(vmid)?.config['net1']), /bridge=vmbr2/, 'kept');
    assert.equal(r.sim(vmid)?.config['ipconfig1'], 'ip=10.9.0.5/24', 'its ipconfig kept');
    assert.ok(
      hist.some((h) =>
        h.events?.some((e) => e.reason === 'UnmanagedNic' && /net1/.test(e.message)),
      ),
      'a Warning UnmanagedNic',
    );
    assert.deepEqual(r.h.status.get('handnic')?.observed['unmanagedNics'], ['net1']);
    o = withSpec(o, { nicPolicy: 'authoritative' });
    await r.h.converge(o);
    assert.equal(r.sim(vmid)?.config['net1'], undefined, 'removed under authoritative');
    assert.equal(r.sim(vmid)?.config['ipconfig1'], undefined);
    assert.equal(r.h.status.get('handnic')?.observed['unmanagedNics'], undefined);
  });

  test('a NIC pxr made and the spec dropped is removed under report', async () => {
    let o = vm('twonic', { networks: [{ bridge: 'vmbr1' }, { bridge: 'vmbr2' }] });
    await r.h.converge(o);
    const vmid = r.vmid('twonic');
    assert.ok(r.sim(vmid)?.config['net1'] !== undefined);
    o = withSpec(o, { networks: [{ bridge: 'vmbr1' }] });
    await r.h.converge(o);
    assert.equal(r.sim(vmid)?.config['net1'], undefined);
  });
});
