/**
 * A VM migrated to another node (HA, `qm migrate`) is reported (NodeMismatch, a Warning event,
 * drift) and managed where it is: never destroyed and re-created for it, even with
 * replacePolicy recreate.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { vm, vmRig, type VmRig } from './harness.js';

describe('VirtualMachine migrated to another node', () => {
  let r: VmRig;
  before(async () => {
    r = await vmRig({}, ['pve', 'pve2']);
  });
  after(async () => r?.close());

  test('is reported and kept, not re-created, even with replacePolicy recreate', async () => {
    const o = vm('roamer', { replacePolicy: 'recreate', memory: 1024 });
    await r.h.converge(o);
    const vmid = r.vmid('roamer');
    // What a migration leaves behind: the VM on pve2 (the simulator has no migrate call).
    const nodes = r.s.sim.state.nodes;
    const guest = nodes['pve']?.qemu?.[String(vmid)];
    assert.ok(guest && nodes['pve2']);
    nodes['pve2'].qemu = { ...(nodes['pve2'].qemu ?? {}), [String(vmid)]: guest };
    delete nodes['pve']?.qemu?.[String(vmid)];
    r.clock.advance(60_000);
    const hist = await r.h.converge(o);
    const out = hist.at(-1);
    assert.equal(r.count('DELETE /nodes/{node}/qemu/{vmid}'), 0, 'never destroyed');
    assert.ok(nodes['pve2'].qemu?.[String(vmid)], 'still on pve2');
    assert.equal(nodes['pve']?.qemu?.[String(vmid)], undefined, 'not re-created on pve');
    const c = r.h.status.get('roamer')?.conditions.find((x) => x.type === 'NodeMismatch');
    assert.equal(c?.status, 'True');
    assert.match(c?.message ?? '', /runs on node pve2/);
    assert.ok(
      hist.some((h) => h.events?.some((e) => e.type === 'Warning' && e.reason === 'NodeMismatch')),
      'a Warning event',
    );
    assert.ok(
      out?.drift?.some((d) => d.field === 'node'),
      JSON.stringify(out?.drift),
    );
    assert.equal(r.h.status.get('roamer')?.observed['node'], 'pve2');
    // Still managed where it is: a spec change is applied on pve2.
    const o2 = { ...o, spec: { ...o.spec, memory: 1536 }, generation: 2, specHash: 'm2' };
    await r.h.converge(o2);
    assert.equal(
      String(
        nodes['pve2'].qemu?.[String(vmid)]?.pending['memory'] ??
          nodes['pve2'].qemu?.[String(vmid)]?.config['memory'],
      ),
      '1536',
    );
  });
});
