/**
 * The cloud-init password (never readable back): a re-created VM gets it again, and removing
 * cloudInit.passwordFile deletes it (`delete=cipassword`) and regenerates the drive.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { vm, vmRig, withSpec, type VmRig } from './harness.js';

describe('VirtualMachine cloud-init password', () => {
  let r: VmRig;
  before(async () => {
    r = await vmRig();
  });
  after(async () => r?.close());

  test('a VM re-created by clone gets its password again', async () => {
    const ci = { user: 'ops', passwordFile: '/secrets/vm-password' };
    let o = vm('pw', { cloudInit: ci, replacePolicy: 'recreate' });
    await r.h.converge(o);
    const first = r.vmid('pw');
    assert.match(String(r.sim(first)?.config['cipassword']), /^\$5\$/);
    o = withSpec(o, { source: { clone: { template: 'debian-tpl' } } });
    const hist = await r.h.converge(o);
    assert.ok(hist.some((h) => h.actions?.some((a) => /cloning VM/.test(a))));
    const vmid = r.vmid('pw');
    assert.match(String(r.sim(vmid)?.config['cipassword']), /^\$5\$/, 'password sent to the clone');
  });

  test('removing passwordFile deletes cipassword and regenerates the drive', async () => {
    let o = vm('nopw', { cloudInit: { user: 'ops', passwordFile: '/secrets/vm-password' } });
    await r.h.converge(o);
    const vmid = r.vmid('nopw');
    assert.ok(r.sim(vmid)?.config['cipassword'] !== undefined);
    const regen = r.count('PUT /nodes/{node}/qemu/{vmid}/cloudinit');
    o = withSpec(o, { cloudInit: { user: 'ops' } });
    const hist = await r.h.converge(o);
    assert.equal(r.sim(vmid)?.config['cipassword'], undefined);
    assert.equal(r.count('PUT /nodes/{node}/qemu/{vmid}/cloudinit'), regen + 1);
    assert.ok(!JSON.stringify(hist).includes('correct horse'), 'the value is never shown');
    const w = r.writes();
    r.clock.advance(60_000);
    await r.h.converge(o);
    assert.equal(r.writes(), w, 'converged');
  });
});
