/**
 * GET/PUT/POST /qemu/{vmid}/config and GET /pending over HTTP: digest races, delete/revert
 * checks, a stopped VM taking everything at once, and a running VM hot-plugging NICs and
 * scsi/virtio disks (hotplug default `network,disk,usb`) while cores, ide disks, memory and
 * enabling the agent stay pending until a stop/start — memory hot-plugs once listed in hotplug.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pveError } from '../../helpers/sim.js';
import {
  qemuPower,
  qemuReadConfig,
  qemuUpdateConfig,
  qemuUpdateConfigAsync,
} from '../../../src/pve/qemu.js';
import { PveApiError } from '../../../src/pve/errors.js';
import { NODE, qemuRig, type QemuRig } from './rig.js';

describe('qemu config, pending and hot-plug', () => {
  let r: QemuRig;
  const vm = (vmid: number) => r.s.api.nodes.$(NODE).qemu.$(vmid);
  before(async () => {
    r = await qemuRig();
    await r.create(200, {
      name: 'app',
      cores: 1,
      memory: '1024',
      scsi0: 'local-lvm:4',
      net0: 'virtio=BC:24:11:AA:00:01,bridge=vmbr0',
    });
    await r.create(201, {
      name: 'hot',
      cores: 1,
      scsi0: 'local-lvm:4',
      net0: 'virtio,bridge=vmbr0',
    });
    assert.equal(await r.finish(await qemuPower(r.pve, NODE, 201, 'start')), 'OK');
  });
  after(() => r.close());

  test('PUT with the current digest applies; a second writer with the same digest loses', async () => {
    const { digest } = await qemuReadConfig(r.pve, NODE, 200);
    await qemuUpdateConfig(r.pve, NODE, 200, { cores: 2, digest });
    const stale = await pveError(vm(200).config.$put({ cores: 4, digest }));
    assert.deepEqual(
      [stale.status, stale.message],
      [500, 'detected modified configuration - file changed by other user? Try again.\n'],
    );
    const read = await qemuReadConfig(r.pve, NODE, 200);
    assert.equal(read.current.cores, 2);
    assert.notEqual(read.digest, digest);
  });

  test('refusals: no options, unknown delete, set and delete together, revert and delete', async () => {
    assert.equal((await pveError(vm(200).config.$put({}))).message, 'no options specified\n');
    assert.deepEqual((await pveError(vm(200).config.$put({ delete: 'bogus' }))).errors, {
      delete: "unknown option 'bogus'",
    });
    assert.deepEqual((await pveError(vm(200).config.$put({ cores: 2, delete: 'cores' }))).errors, {
      delete: "you can't use '-cores' and -delete cores' at the same time",
    });
    assert.deepEqual(
      (await pveError(vm(200).config.$put({ delete: 'cores', revert: 'cores' }))).errors,
      { revert: "you can't use '-delete cores' and -revert cores' at the same time" },
    );
    const missing = await pveError(r.s.api.nodes.$(NODE).qemu.$(999).config.$get());
    assert.deepEqual(
      [missing.status, missing.message],
      [500, "Configuration file 'nodes/pve/qemu-server/999.conf' does not exist\n"],
    );
  });

  test('a stopped VM takes a new disk, NIC and delete at once; the replaced disk becomes unused', async () => {
    await qemuUpdateConfig(r.pve, NODE, 200, {
      scsi1: 'local-lvm:2',
      net1: 'e1000,bridge=vmbr0,tag=30',
      delete: 'cores',
    });
    const read = await qemuReadConfig(r.pve, NODE, 200);
    assert.deepEqual(read.pendingKeys, []);
    assert.equal(read.current.scsi1, 'local-lvm:vm-200-disk-1,size=2G');
    assert.match(String(read.current.net1), /^e1000=BC:24:11:[0-9A-F:]{8},bridge=vmbr0,tag=30$/);
    assert.equal(read.current.cores, undefined);
    await qemuUpdateConfig(r.pve, NODE, 200, { scsi1: 'local-lvm:3' });
    const after = await qemuReadConfig(r.pve, NODE, 200);
    assert.equal(after.current.scsi1, 'local-lvm:vm-200-disk-2,size=3G');
    assert.equal(after.current.unused0, 'local-lvm:vm-200-disk-1');
    // deleting an unused disk frees the volume at once
    await qemuUpdateConfig(r.pve, NODE, 200, { delete: 'unused0' });
    const vols = Object.keys(r.s.sim.state.nodes[NODE]!.storages['local-lvm']!.volumes);
    assert.ok(!vols.includes('local-lvm:vm-200-disk-1'));
  });

  test('running: NIC and scsi disk hot-plug; cores, memory, ide disk and agent stay pending', async () => {
    await qemuUpdateConfig(r.pve, NODE, 201, {
      net1: 'virtio,bridge=vmbr0',
      scsi1: 'local-lvm:1',
      cores: 4,
      memory: '4096',
      ide0: 'local-lvm:1',
      agent: '1',
      description: 'fast-plugged',
    });
    const read = await qemuReadConfig(r.pve, NODE, 201);
    assert.deepEqual(read.pendingKeys, ['agent', 'cores', 'ide0', 'memory']);
    assert.match(String(read.current.net1), /^virtio=BC:24:11:/);
    assert.match(String(read.current.scsi1), /^local-lvm:vm-201-disk-\d,size=1G$/);
    // the description is a comment block in the file: it reads back with its newline
    assert.equal(read.current.description, 'fast-plugged\n');
    assert.equal(read.effective.cores, 4);
    const pending = await vm(201).pending.$get();
    assert.deepEqual(
      pending.find((p) => p.key === 'cores'),
      { key: 'cores', value: 1, pending: 4 },
    );
    // GET config shows pending values merged in, current=1 the running ones
    assert.equal((await vm(201).config.$get()).cores, 4);
    assert.equal((await vm(201).config.$get({ current: true })).cores, 1);
    // deleting a NIC hot-unplugs it; deleting cores waits
    await qemuUpdateConfig(r.pve, NODE, 201, { delete: 'net1' });
    assert.equal((await qemuReadConfig(r.pve, NODE, 201)).current.net1, undefined);
    const ide0 = String((await qemuReadConfig(r.pve, NODE, 201)).effective.ide0).split(',')[0];
    await qemuUpdateConfig(r.pve, NODE, 201, { revert: 'ide0' });
    // reverting a disk that was only pending keeps its new volume as unusedN
    assert.equal((await qemuReadConfig(r.pve, NODE, 201)).current.unused0, ide0);
    assert.deepEqual((await qemuReadConfig(r.pve, NODE, 201)).pendingKeys, [
      'agent',
      'cores',
      'memory',
    ]);
    // a reboot applies what was pending
    assert.equal(await r.finish(await qemuPower(r.pve, NODE, 201, 'reboot')), 'OK');
    const rebooted = await qemuReadConfig(r.pve, NODE, 201);
    assert.deepEqual(rebooted.pendingKeys, []);
    assert.deepEqual([rebooted.current.cores, rebooted.current.memory], [4, '4096']);
  });

  test('a NIC that cannot be hot-plugged is written, then reported per option (400)', async () => {
    const e = await pveError(vm(201).config.$put({ net3: 'virtio,bridge=vmbr9' }));
    assert.deepEqual(
      [e.status, e.message, e.errors],
      [
        400,
        'Parameter verification failed.\n',
        { net3: "hotplug problem - bridge 'vmbr9' does not exist\n" },
      ],
    );
    // qemu-server wrote the config before reporting: the NIC waits in pending
    assert.ok((await qemuReadConfig(r.pve, NODE, 201)).pendingKeys.includes('net3'));
    await qemuUpdateConfig(r.pve, NODE, 201, { revert: 'net3' });
  });

  test('memory and vcpus hot-plug only when hotplug lists memory and cpu', async () => {
    await qemuUpdateConfig(r.pve, NODE, 201, { hotplug: 'network,disk,cpu,memory', numa: 1 });
    assert.deepEqual((await qemuReadConfig(r.pve, NODE, 201)).pendingKeys, ['hotplug', 'numa']);
    assert.equal(await r.finish(await qemuPower(r.pve, NODE, 201, 'reboot')), 'OK');
    await qemuUpdateConfig(r.pve, NODE, 201, { memory: '6144', vcpus: 2 });
    const read = await qemuReadConfig(r.pve, NODE, 201);
    assert.deepEqual(read.pendingKeys, []);
    assert.deepEqual([read.current.memory, read.current.vcpus], ['6144', 2]);
  });

  test('POST /config runs the same update as a qmconfig task; a stale digest fails the task', async () => {
    const { digest } = await qemuReadConfig(r.pve, NODE, 200);
    const upid = await qemuUpdateConfigAsync(r.pve, NODE, 200, { name: 'renamed', digest });
    assert.match(upid, /:qmconfig:200:/);
    assert.equal(await r.finish(upid), 'OK');
    assert.equal((await qemuReadConfig(r.pve, NODE, 200)).current.name, 'renamed');
    const stale = await qemuUpdateConfigAsync(r.pve, NODE, 200, { name: 'again', digest });
    assert.equal(
      await r.finish(stale),
      'detected modified configuration - file changed by other user? Try again.',
    );
  });

  test('a locked VM refuses config writes (the client error carries the stable code)', async () => {
    r.s.sim.state.nodes[NODE]!.qemu!['200']!.config.lock = 'backup';
    try {
      await qemuUpdateConfig(r.pve, NODE, 200, { name: 'x' });
      assert.fail('expected a refusal');
    } catch (err) {
      assert.ok(err instanceof PveApiError);
      assert.deepEqual([err.status, err.pveMessage], [500, 'VM is locked (backup)']);
    } finally {
      delete r.s.sim.state.nodes[NODE]!.qemu!['200']!.config.lock;
    }
  });
});
