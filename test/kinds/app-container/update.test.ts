/**
 * Changes made in git: every mutable field in one config PUT, pending changes of a running container
 * (PendingRestart, or a reboot under restartPolicy onChange), disks that grow or refuse to shrink,
 * and create-only fields (RequiresReplace, or a re-create under replacePolicy recreate).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isTerminal } from '../../../src/core/errors.js';
import type { ObjectOutcome } from '../../../src/core/kind.js';
import { ct, rig, simCt, vmidOf, withSpec, type Rig } from './harness.js';

const PUT = 'PUT /nodes/{node}/lxc/{vmid}/config';

function ok(v: ObjectOutcome | Error): ObjectOutcome {
  assert.ok(!(v instanceof Error), `unexpected error: ${v instanceof Error ? v.message : ''}`);
  return v;
}

describe('AppContainer updates from git', () => {
  let r: Rig;
  before(async () => {
    r = await rig();
  });
  after(() => r.close());

  test('every mutable field changed at once is applied with one config PUT, keeping the MAC', async () => {
    let obj = ct('all', { vmid: 6000, state: 'stopped' });
    await r.h.converge(obj);
    const mac = r.h.status.get('all')?.observed['mac'];
    obj = withSpec(obj, {
      hostname: 'all-renamed',
      resources: { cores: 2, memory: 1024, swap: 256, disk: { size: 8, storage: 'local-lvm' } },
      network: {
        bridge: 'vmbr10',
        ip: '10.20.0.30/24',
        gateway: '10.20.0.1',
        firewall: true,
        vlan: 20,
        mtu: 1400,
        rate: 12.5,
      },
      dns: { nameservers: ['10.20.0.1', '1.1.1.1'], searchdomain: 'apps.lan' },
      features: { nesting: true, keyctl: true },
      onboot: true,
      startup: { order: 3, up: 10 },
      tags: ['web'],
      description: 'changed notes',
      mountPoints: [
        { path: '/data', size: 2, storage: 'local-lvm', backup: true, readOnly: false },
      ],
    });
    const puts = r.count(PUT);
    const outs = await r.h.converge(obj);
    assert.equal(r.count(PUT) - puts, 1, 'one config PUT');
    assert.ok(outs[0]?.actions?.[0]?.startsWith('updated CT 6000: hostname'));
    assert.equal(outs[0]?.drift, undefined, 'a change in git is not drift');
    const c = simCt(r, 6000)!.config;
    assert.equal(c['hostname'], 'all-renamed');
    assert.equal(c['cores'], 2);
    assert.equal(c['memory'], 1024);
    assert.equal(c['swap'], 256);
    assert.equal(
      c['net0'],
      `name=eth0,bridge=vmbr10,firewall=1,gw=10.20.0.1,hwaddr=${String(mac)},ip=10.20.0.30/24,mtu=1400,rate=12.5,tag=20,type=veth`,
    );
    assert.equal(c['nameserver'], '10.20.0.1 1.1.1.1');
    assert.equal(c['searchdomain'], 'apps.lan');
    assert.equal(c['features'], 'keyctl=1,nesting=1');
    assert.equal(c['onboot'], 1);
    assert.equal(c['startup'], 'order=3,up=10');
    assert.equal(c['tags'], 'pxr;web');
    assert.match(String(c['description']), /^changed notes\n\npxr:uid=/);
    assert.match(String(c['mp0']), /^local-lvm:vm-6000-disk-\d+,mp=\/data,backup=1,size=2G$/);
    const again = ok(await r.h.pass(obj));
    assert.equal(again.actions, undefined, 'converged');

    // Removing optional fields deletes them.
    const { dns: _dns, features: _features, startup: _startup, ...rest } = obj.spec;
    const plain = withSpec({ ...obj, spec: rest }, {});
    await r.h.converge(plain);
    const c2 = simCt(r, 6000)!.config;
    for (const k of ['nameserver', 'searchdomain', 'features', 'startup'])
      assert.equal(c2[k], undefined, k);
  });

  test('a change a running container keeps pending is surfaced as PendingRestart', async () => {
    let obj = ct('pend', { vmid: 6100 });
    await r.h.converge(obj);
    obj = withSpec(obj, { features: { nesting: true } });
    await r.h.converge(obj);
    const cond = r.h.status.get('pend')?.conditions.find((c) => c.type === 'PendingRestart');
    assert.equal(cond?.status, 'True');
    assert.match(cond?.message ?? '', /features/);
    assert.equal(simCt(r, 6100)!.config['features'], undefined, 'still pending');
    const writes = r.writes();
    ok(await r.h.pass(obj));
    assert.equal(r.writes(), writes, 'a pending change is not re-applied every pass');
  });

  test('restartPolicy onChange reboots the container to apply pending changes', async () => {
    const obj = withSpec(ct('pend2', { vmid: 6101 }), {});
    await r.h.converge(obj);
    const next = withSpec(obj, { features: { nesting: true }, restartPolicy: 'onChange' });
    const outs = await r.h.converge(next);
    assert.ok(outs.some((o) => o.actions?.some((a) => a.startsWith('rebooting CT 6101'))));
    assert.equal(simCt(r, 6101)!.config['features'], 'nesting=1');
    assert.equal(simCt(r, 6101)!.status, 'running');
    const cond = r.h.status.get('pend2')?.conditions.find((c) => c.type === 'PendingRestart');
    assert.equal(cond?.status, 'False');
  });

  test('a disk grows with a resize task; a shrink is a terminal error', async () => {
    let obj = ct('disk', { vmid: 6200, resources: { disk: { size: 4, storage: 'local-lvm' } } });
    await r.h.converge(obj);
    obj = withSpec(obj, { resources: { disk: { size: 6, storage: 'local-lvm' } } });
    const outs = await r.h.converge(obj);
    assert.ok(outs.some((o) => o.actions?.includes('resizing rootfs of CT 6200 to 6G')));
    assert.match(String(simCt(r, 6200)!.config['rootfs']), /size=6G/);
    const small = withSpec(obj, { resources: { disk: { size: 5, storage: 'local-lvm' } } });
    const err = await r.h.pass(small);
    assert.ok(isTerminal(err) && err.reason === 'DiskShrink', `got ${JSON.stringify(err)}`);
    assert.match(err.message, /rootfs\.size: "6G" -> "5G"/);
  });

  test('a create-only change gives RequiresReplace and destroys nothing', async () => {
    const obj = ct('frozen', { vmid: 6300 });
    await r.h.converge(obj);
    const changed = withSpec(obj, { unprivileged: false });
    const o = ok(await r.h.pass(changed));
    assert.equal(o.notReady?.reason, 'RequiresReplace');
    assert.match(o.notReady?.message ?? '', /unprivileged: 1 -> 0; set replacePolicy: recreate/);
    assert.equal(o.conditions?.find((c) => c.type === 'RequiresReplace')?.status, 'True');
    assert.equal(r.count('DELETE /nodes/{node}/lxc/{vmid}'), 0);
    assert.equal(simCt(r, 6300)?.status, 'running');
  });

  test('replacePolicy recreate destroys and re-creates the container, keeping VMID and MAC', async () => {
    const obj = ct('phoenix2', {});
    await r.h.converge(obj);
    const vmid = vmidOf(r, 'phoenix2');
    const mac = r.h.status.get('phoenix2')?.observed['mac'];
    const changed = withSpec(obj, {
      template: 'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst',
      replacePolicy: 'recreate',
    });
    const outs = await r.h.converge(changed);
    assert.ok(outs.some((o) => o.actions?.some((a) => a.startsWith(`destroyed CT ${vmid}`))));
    assert.equal(vmidOf(r, 'phoenix2'), vmid);
    assert.equal(simCt(r, vmid)?.config['ostype'], 'ubuntu');
    assert.match(String(simCt(r, vmid)?.config['net0']), new RegExp(`hwaddr=${String(mac)}`));
    assert.equal(r.h.status.get('phoenix2')?.observed['template'], changed.spec.template);
  });
});
