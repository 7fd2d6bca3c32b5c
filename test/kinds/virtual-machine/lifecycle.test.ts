/**
 * Crash recovery and deletion: a crash right after the clone call (status never written) leaves
 * exactly one VM, found through the write-ahead claim; deletion shuts down, destroys with purge and
 * verifies; it is refused under protection or when the marker names another object.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { qemuUpdateConfig } from '../../../src/pve/qemu.js';
import { vm, vmRig, withSpec, type VmRig } from './harness.js';

describe('VirtualMachine recovery and deletion', () => {
  let r: VmRig;
  before(async () => {
    r = await vmRig();
  });
  after(async () => r?.close());

  const vmsNamed = (name: string): number =>
    Object.values(r.s.sim.state.nodes['pve']?.qemu ?? {}).filter((v) => v.config['name'] === name)
      .length;

  test('a crash right after the clone call leaves exactly one VM', async () => {
    const o = vm('crashy', { source: { clone: { template: 'debian-tpl' } }, disks: [{ size: 4 }] });
    const first = await r.h.pass(o, false);
    assert.ok(!(first instanceof Error), first instanceof Error ? first.message : '');
    assert.equal(r.count('POST /nodes/{node}/qemu/{vmid}/clone'), 1);
    assert.equal(r.h.status.get('crashy'), undefined, 'nothing recorded: the crash');
    await r.h.converge(o);
    assert.equal(r.count('POST /nodes/{node}/qemu/{vmid}/clone'), 1, 'no second clone');
    assert.equal(vmsNamed('crashy'), 1);
    assert.equal(r.sim(r.vmid('crashy'))?.status, 'running');
  });

  test('a deletion during a clone still running waits, keeping the claim', async () => {
    const o = vm('midclone', { source: { clone: { template: 'debian-tpl' } } });
    const first = await r.h.pass(o, false);
    assert.ok(!(first instanceof Error));
    const vmid = Object.entries(r.s.sim.state.nodes['pve']?.qemu ?? {}).find(
      ([, v]) => v.config['lock'] === 'clone',
    )?.[0];
    assert.ok(vmid, 'a clone in flight');
    const del = { ...o, deletionRequested: true };
    const out = await r.h.finalize(del);
    assert.notEqual(out, 'done', 'waits for the clone');
    assert.ok(r.h.store.inventory.listByOwner(o.uid).length > 0, 'claim kept');
    await r.h.delete(del);
    assert.equal(r.sim(Number(vmid)), undefined, 'the clone destroyed once it ended');
  });

  test('deletion: shutdown, destroy with purge, verified gone', async () => {
    const o = vm('gone', { cloudInit: { user: 'ops' } });
    await r.h.converge(o);
    const vmid = r.vmid('gone');
    const hist = await r.h.delete({ ...o, deletionRequested: true });
    assert.equal(r.sim(vmid), undefined);
    const acts = hist.flatMap((h) => h.actions ?? []);
    assert.ok(
      acts.some((a) => /shutting down VM/.test(a)),
      acts.join('; '),
    );
    assert.ok(acts.some((a) => /destroying VM .* \(purge\)/.test(a)));
    assert.equal(r.h.store.inventory.listByOwner(o.uid).length, 0, 'claims released');
  });

  test('deletion is refused under protection', async () => {
    const o = vm('guarded', { protection: true });
    await r.h.converge(o);
    const vmid = r.vmid('guarded');
    await assert.rejects(r.h.delete({ ...o, deletionRequested: true }), /protection mode is on/);
    assert.ok(r.sim(vmid), 'still there');
    const off = withSpec(o, { protection: false });
    await r.h.converge(off);
    await r.h.delete({ ...off, deletionRequested: true });
    assert.equal(r.sim(vmid), undefined);
  });

  test('deletion is refused when the marker names another object', async () => {
    const o = vm('stolen');
    await r.h.converge(o);
    const vmid = r.vmid('stolen');
    await qemuUpdateConfig(r.pve, 'pve', vmid, { description: 'pxr:uid=someone-else' });
    await assert.rejects(
      r.h.delete({ ...o, deletionRequested: true }),
      /binds it to another object/,
    );
    assert.ok(r.sim(vmid), 'still there');
  });

  test("a VM at spec.vmid without this object's marker is never touched", async () => {
    const o = vm('intruder', { vmid: 9000 });
    const out = await r.h.pass(o);
    assert.ok(
      out instanceof Error && /does not carry this object's ownership marker/.test(out.message),
    );
  });

  test('a create-only change raises RequiresReplace; replacePolicy recreate destroys and re-creates', async () => {
    let o = vm('swap', { disks: [{ size: 4 }] });
    await r.h.converge(o);
    const vmid = r.vmid('swap');
    o = withSpec(o, { source: { clone: { template: 'debian-tpl' } } });
    await r.h.pass(o);
    const rr = r.h.status.get('swap')?.conditions.find((c) => c.type === 'RequiresReplace');
    assert.equal(rr?.status, 'True');
    assert.match(rr?.message ?? '', /source/);
    o = withSpec(o, { replacePolicy: 'recreate' });
    const hist = await r.h.converge(o);
    const acts = hist.flatMap((h) => h.actions ?? []);
    assert.ok(
      acts.some((a) => /to replace it/.test(a)),
      acts.join('; '),
    );
    assert.ok(
      acts.some((a) => /cloning VM/.test(a)),
      acts.join('; '),
    );
    assert.equal(r.vmid('swap'), vmid, 'the allocated VMID is kept');
    assert.match(String(r.sim(vmid)?.config['scsi0']), /vm-\d+-disk-0/);
    assert.equal(vmsNamed('swap'), 1);
    const rr2 = r.h.status.get('swap')?.conditions.find((c) => c.type === 'RequiresReplace');
    assert.equal(rr2?.status, 'False');
  });
});
