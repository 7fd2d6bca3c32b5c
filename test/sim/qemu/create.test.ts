/**
 * POST /nodes/{node}/qemu over HTTP: the `qmcreate` task, the config it writes (disks allocated,
 * MACs generated, cloud-init drive, boot order, hashed password), the synchronous refusals worded
 * as qemu-server words them, and the VM in /cluster/resources and /cluster/nextid.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pveError } from '../../helpers/sim.js';
import { encodeSshKeys, qemuCreate, qemuReadConfig } from '../../../src/pve/qemu.js';
import { KEY, NODE, qemuRig, type QemuRig } from './rig.js';

describe('qemu create', () => {
  let r: QemuRig;
  const qemu = () => r.s.api.nodes.$(NODE).qemu;
  before(async () => {
    r = await qemuRig();
  });
  after(() => r.close());

  test('a cloud-init VM: disks allocated, MAC generated, config as Proxmox writes it', async () => {
    const upid = await qemuCreate(r.pve, NODE, {
      vmid: 120,
      name: 'web1',
      cores: 2,
      sockets: 1,
      cpu: 'x86-64-v2-AES',
      memory: '2048',
      balloon: 1024,
      machine: 'q35',
      bios: 'ovmf',
      efidisk0: 'local-lvm:1,efitype=4m,pre-enrolled-keys=1',
      scsihw: 'virtio-scsi-single',
      scsi0: 'local-lvm:8,iothread=1,discard=on',
      net0: 'virtio,bridge=vmbr0,firewall=1,tag=20,mtu=1500',
      ide2: 'local-lvm:cloudinit',
      ciuser: 'ops',
      cipassword: 's3cret-pw',
      sshkeys: encodeSshKeys(KEY),
      ipconfig0: 'ip=10.20.0.5/24,gw=10.20.0.1',
      nameserver: '10.20.0.1',
      searchdomain: 'lab.example',
      ciupgrade: 0,
      agent: 'enabled=1',
      serial0: 'socket',
      onboot: 1,
      startup: 'order=2',
      tags: 'Web;prod,web',
      description: 'web server',
    });
    assert.match(upid, /^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmcreate:120:root@pam!pxr:$/);
    // create_and_lock_config wrote the config before the worker ran
    const locked = await qemu().$(120).config.$get();
    assert.equal(locked.lock, 'create');
    assert.equal(await r.finish(upid), 'OK');

    const conf = (await qemu().$(120).config.$get()) as Record<string, unknown>;
    assert.equal(conf.lock, undefined);
    assert.equal(conf.name, 'web1');
    assert.equal(conf.cores, 2);
    assert.equal(conf.memory, '2048');
    assert.equal(conf.scsi0, 'local-lvm:vm-120-disk-1,discard=on,iothread=1,size=8G');
    assert.equal(conf.efidisk0, 'local-lvm:vm-120-disk-0,efitype=4m,pre-enrolled-keys=1,size=4M');
    assert.equal(conf.ide2, 'local-lvm:vm-120-cloudinit,media=cdrom');
    assert.match(
      String(conf.net0),
      /^virtio=BC:24:11:[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2},bridge=vmbr0,firewall=1,mtu=1500,tag=20$/,
    );
    assert.equal(conf.cipassword, '**********');
    assert.equal(conf.sshkeys, encodeSshKeys(KEY));
    assert.equal(conf.tags, 'prod;web');
    assert.equal(conf.boot, 'order=scsi0;net0');
    assert.match(String(conf.smbios1), /^uuid=[0-9a-f-]{36}$/);
    assert.match(String(conf.vmgenid), /^[0-9a-f-]{36}$/);
    assert.match(String(conf.digest), /^[0-9a-f]{40}$/);
    // the password is stored hashed, never in clear
    const stored = r.s.sim.state.nodes[NODE]?.qemu?.['120']?.config.cipassword;
    assert.match(String(stored), /^\$5\$/);
    const read = await qemuReadConfig(r.pve, NODE, 120);
    assert.equal(read.digest, conf.digest);
    assert.deepEqual(read.pendingKeys, []);
  });

  test('a VMID in use by a container or a VM: unable to create VM, as qemu-server says', async () => {
    const ctUpid = String(
      await r.s.api.nodes.$(NODE).lxc.$post({
        vmid: 130,
        ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
        storage: 'local-lvm',
      }),
    );
    await r.finish(ctUpid);
    const ct = await pveError(qemu().$post({ vmid: 130 }));
    assert.deepEqual(
      [ct.status, ct.message],
      [500, "unable to create VM 130 - CT 130 already exists on node 'pve'\n"],
    );
    const e = await pveError(qemu().$post({ vmid: 120 }));
    assert.deepEqual(
      [e.status, e.message],
      [500, "unable to create VM 120 - VM 120 already exists on node 'pve'\n"],
    );
  });

  test('sshkeys must be URL-encoded; a raw key is refused by the urlencoded format', async () => {
    const e = await pveError(qemu().$post({ vmid: 121, sshkeys: KEY }));
    assert.equal(e.status, 400);
    assert.equal(e.message, 'Parameter verification failed.\n');
    assert.deepEqual(e.errors, { sshkeys: `invalid format - invalid urlencoded string: ${KEY}\n` });
    const bad = await pveError(qemu().$post({ vmid: 121, sshkeys: encodeSshKeys('not a key') }));
    assert.deepEqual([bad.status, bad.message], [500, 'SSH public key validation error\n']);
  });

  test('disks on a storage without images, and import-from without the special syntax', async () => {
    const st = await pveError(qemu().$post({ vmid: 122, scsi0: 'local:4' }));
    assert.deepEqual(
      [st.status, st.errors],
      [400, { storage: "storage 'local' does not support vm images" }],
    );
    const imp = await pveError(
      qemu().$post({ vmid: 122, scsi0: 'local-lvm:4,import-from=local:import/x.qcow2' }),
    );
    assert.deepEqual(imp.errors, {
      scsi0: "'import-from' requires special syntax - use <storage ID>:0,import-from=<source>",
    });
    const tpl = await pveError(
      qemu().$post({
        vmid: 122,
        scsi0: 'local-lvm:0,import-from=local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
      }),
    );
    assert.deepEqual(tpl.errors, {
      scsi0:
        "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst has wrong type 'vztmpl' - needs to be 'images' or 'import'",
    });
    assert.equal(
      (await pveError(qemu().$post({ vmid: 122, net0: 'virtio,bridge=vmbr0,speed=1' }))).status,
      400,
    );
  });

  test('import-from an uploaded cloud image (content type import)', async () => {
    // The simulated `local` allows `import` (seeded with one image); another is downloaded there.
    const download = r.s.api.nodes.$(NODE).storage.$('local')['download-url'];
    const dl = String(
      await download.$post({
        url: 'https://example.invalid/debian-13-genericcloud-amd64.qcow2',
        content: 'import',
        filename: 'debian-13-genericcloud-amd64.qcow2',
      } as never),
    );
    assert.equal(await r.finish(dl), 'OK');
    const upid = await qemuCreate(r.pve, NODE, {
      vmid: 123,
      scsi0: 'local-lvm:0,import-from=local:import/debian-13-genericcloud-amd64.qcow2',
      net0: 'virtio=BC:24:11:00:00:01,bridge=vmbr0',
    });
    assert.equal(await r.finish(upid), 'OK');
    const conf = await qemu().$(123).config.$get();
    assert.match(String(conf.scsi0), /^local-lvm:vm-123-disk-0,size=\d+G$/);
    assert.equal(conf.net0, 'virtio=BC:24:11:00:00:01,bridge=vmbr0');
    const log = (await r.s.api.nodes.$(NODE).tasks.$(upid).log.$get()).map((l) => l.t);
    assert.ok(
      log.some((l) =>
        l.includes("importing disk 'local:import/debian-13-genericcloud-amd64.qcow2'"),
      ),
    );
  });

  test('VMs are in /cluster/resources beside containers; nextid skips them', async () => {
    const res = await r.pve.clusterResources('vm');
    const vm = res.find((x) => x.id === 'qemu/120');
    assert.ok(vm);
    assert.deepEqual(
      [vm.type, vm.vmid, vm.node, vm.name, vm.status],
      ['qemu', 120, 'pve', 'web1', 'stopped'],
    );
    const list = await qemu().$get();
    assert.deepEqual(
      list.map((v) => v.vmid),
      [120, 123],
    );
    const taken = await pveError(r.s.api.cluster.nextid.$get({ vmid: 120 }));
    assert.deepEqual(taken.errors, { vmid: 'VM 120 already exists' });
  });

  test('a VM from a state file written before the qemu simulation still reads', async () => {
    const node = r.s.sim.state.nodes[NODE]!;
    (node.qemu as Record<string, unknown>)['140'] = { vmid: 140, name: 'old', status: 'running' };
    const conf = await qemu().$(140).config.$get();
    assert.equal(conf.name, 'old');
    const st = await qemu().$(140).status.current.$get();
    assert.equal(st.status, 'running');
  });
});
