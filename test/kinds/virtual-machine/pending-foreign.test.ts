/**
 * restartPolicy onChange reboots only for pxr's own pending values: a hand edit pending on a
 * running VM and held under drift policy alert is reported (PendingRestart), never applied by a
 * reboot.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { qemuUpdateConfig } from '../../../src/pve/qemu.js';
import { vm, vmRig, type VmRig } from './harness.js';

describe('VirtualMachine pending hand edits', () => {
  let r: VmRig;
  before(async () => {
    r = await vmRig();
  });
  after(async () => r?.close());

  test('a pending hand edit held under alert is reported, not rebooted into', async () => {
    const o = vm(
      'held',
      { memory: 1024, restartPolicy: 'onChange' },
      { annotations: { 'pxr/drift': 'alert' } },
    );
    await r.h.converge(o);
    const vmid = r.vmid('held');
    assert.equal(r.sim(vmid)?.status, 'running');
    await qemuUpdateConfig(r.pve, 'pve', vmid, { memory: 4096 });
    assert.equal(String(r.sim(vmid)?.pending['memory']), '4096', 'the edit pends');
    r.clock.advance(60_000);
    const hist = await r.h.converge(o);
    assert.equal(r.count('POST /nodes/{node}/qemu/{vmid}/status/reboot'), 0, 'no reboot');
    assert.ok(hist.every((h) => !h.actions?.some((a) => /reboot/.test(a))));
    assert.equal(String(r.sim(vmid)?.config['memory']), '1024');
    const c = r.h.status.get('held')?.conditions.find((x) => x.type === 'PendingRestart');
    assert.equal(c?.status, 'True');
  });
});
