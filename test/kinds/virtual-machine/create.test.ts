/**
 * VirtualMachine create from an image and by clone, against the simulator over HTTP: every field
 * round-trips (a second pass plans nothing and writes nothing), the VMID is allocated and recorded,
 * MACs stay, cloud-init is set as Proxmox keeps it (URL-encoded keys), agent addresses reach status.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY, vm, vmRig, type VmRig } from './harness.js';
import type { VirtualMachineSpec } from '../../../src/kinds/virtual-machine/spec.js';

const FULL: Partial<VirtualMachineSpec> = {
  cpu: { cores: 2, sockets: 1, type: 'host' },
  memory: 2048,
  balloon: 1024,
  machine: 'q35',
  bios: 'ovmf',
  disks: [
    { bus: 'scsi', storage: 'local-lvm', size: 10, discard: true, ssd: true, cache: 'writeback' },
    { bus: 'scsi', storage: 'local-lvm', size: 4 },
  ],
  networks: [
    { bridge: 'vmbr1', ip: '10.1.0.20/24', gateway: '10.1.0.1', firewall: true, mtu: 1400 },
    { bridge: 'vmbr10', vlan: 20, rate: 12.5, model: 'e1000' },
  ],
  cloudInit: {
    user: 'ops',
    passwordFile: '/secrets/vm-password',
    sshKeys: [KEY, KEY.replace('ops@example', 'other key@example')],
    nameservers: ['10.1.0.1', '1.1.1.1'],
    searchdomain: 'lab.example',
    upgrade: false,
  },
  agent: true,
  serial: true,
  onboot: true,
  startup: { order: 2, up: 30 },
  tags: ['Web', 'prod'],
  description: 'The web server.\nSecond line.',
  protection: false,
  state: 'running',
};

describe('VirtualMachine create', () => {
  let r: VmRig;
  before(async () => {
    r = await vmRig();
  });
  after(async () => r?.close());

  test('from an image: every field set, converged, then a pass writes nothing', async () => {
    const o = vm('web', FULL);
    await r.h.converge(o);
    const vmid = r.vmid('web');
    const conf = r.sim(vmid)?.config ?? {};
    assert.equal(r.sim(vmid)?.status, 'running');
    assert.equal(conf['cores'], 2);
    assert.equal(conf['cpu'], 'host');
    assert.equal(conf['memory'], '2048');
    assert.equal(conf['machine'], 'q35');
    assert.match(String(conf['efidisk0']), /^local-lvm:vm-\d+-disk-\d+/);
    assert.match(String(conf['scsi0']), /size=10G/);
    assert.match(String(conf['scsi0']), /discard=on/);
    assert.match(String(conf['scsi1']), /size=4G/);
    assert.match(String(conf['net0']), /^virtio=[0-9A-F:]{17},bridge=vmbr1,firewall=1,mtu=1400$/);
    assert.match(String(conf['net1']), /^e1000=[0-9A-F:]{17},bridge=vmbr10,rate=12.5,tag=20$/);
    assert.equal(conf['ipconfig0'], 'gw=10.1.0.1,ip=10.1.0.20/24');
    assert.equal(conf['ipconfig1'], 'ip=dhcp');
    assert.equal(decodeURIComponent(String(conf['sshkeys'])).split('\n').length, 2);
    assert.doesNotMatch(String(conf['sshkeys']), /[ +]/, 'keys are URL-encoded with %20');
    assert.equal(conf['tags'], 'prod;pxr;web');
    assert.match(String(conf['description']), /pxr:uid=/);
    assert.match(String(conf['cipassword']), /^\$5\$/, 'the password was sent');
    assert.equal(conf['serial0'], 'socket');

    const macs = r.h.status.get('web')?.observed['macs'];
    assert.ok(Array.isArray(macs) && macs.length === 2, 'MACs recorded');

    const before = r.writes();
    const reads = r.count('GET /nodes/{node}/qemu/{vmid}/pending');
    r.clock.advance(60_000);
    const out = await r.h.converge(o);
    assert.equal(out.length, 1, 'one pass: nothing to do');
    assert.equal(out[0]?.actions, undefined, JSON.stringify(out[0]?.actions));
    assert.equal(r.writes(), before, 'a converged pass writes nothing');
    assert.equal(r.count('GET /nodes/{node}/qemu/{vmid}/pending'), reads + 1);
    assert.deepEqual(r.h.status.get('web')?.observed['macs'], macs, 'MACs kept');
  });

  test('agent addresses reach status once the guest answers', async () => {
    const o = vm('agent', {
      networks: [{ bridge: 'vmbr1', ip: '10.1.0.30/24' }],
      cloudInit: { user: 'ops' },
    });
    await r.h.converge(o);
    for (let i = 0; i < 20 && r.h.status.get('agent')?.observed['ips'] === undefined; i++) {
      r.clock.advance(10_000);
      await r.h.pass(o);
    }
    assert.deepEqual(r.h.status.get('agent')?.observed['ips'], ['10.1.0.30/24']);
  });

  test('by clone of a template named debian-tpl: full clone, then configured; converged', async () => {
    const o = vm('cloned', {
      source: { clone: { template: 'debian-tpl', full: true } },
      disks: [{ size: 6 }],
      memory: 1024,
      serial: true,
      cloudInit: { user: 'ops', sshKeys: [KEY] },
    });
    const hist = await r.h.converge(o);
    const vmid = r.vmid('cloned');
    assert.ok(
      hist.some((h) => h.actions?.some((a) => /cloning VM/.test(a))),
      'cloned',
    );
    const conf = r.sim(vmid)?.config ?? {};
    assert.match(String(conf['scsi0']), /size=6G/);
    assert.equal(conf['ciuser'], 'ops');
    assert.equal(r.sim(vmid)?.status, 'running');
    const before = r.writes();
    r.clock.advance(60_000);
    const out = await r.h.converge(o);
    assert.equal(out.length, 1);
    assert.equal(r.writes(), before, 'a converged clone writes nothing');
  });

  test('a linked clone by VMID shares the base disk', async () => {
    const o = vm('linked', {
      source: { clone: { template: 9000, full: false } },
      disks: [{ size: 3 }],
    });
    await r.h.converge(o);
    const conf = r.sim(r.vmid('linked'))?.config ?? {};
    assert.match(String(conf['scsi0']), /base-9000-disk-0\/vm-\d+-disk-0/);
  });

  test('from a URL: downloaded once to local:import, then imported; a second VM reuses it', async () => {
    const url = 'https://cloud.example/images/noble-server-cloudimg-amd64.img';
    const source = { image: url, checksum: 'sha256:' + 'ab'.repeat(32) };
    await r.h.converge(vm('dl1', { source }));
    await r.h.converge(vm('dl2', { source }));
    assert.equal(r.count('POST /nodes/{node}/storage/{storage}/download-url'), 1);
    const vols = Object.keys(r.s.sim.state.nodes['pve']?.storages['local']?.volumes ?? {});
    assert.ok(vols.includes('local:import/noble-server-cloudimg-amd64.qcow2'), vols.join(' '));
    assert.match(String(r.sim(r.vmid('dl2'))?.config['scsi0']), /^local-lvm:vm-\d+-disk-0/);
  });
});
