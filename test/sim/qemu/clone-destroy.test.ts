/**
 * POST /template, POST /clone and DELETE /qemu/{vmid} over HTTP: a template's disks become base
 * volumes; linked clones of it share them, full clones copy them (to another storage if asked);
 * clones get new MACs and a new cloud-init drive; destroy refuses protected and running VMs in
 * qemu-server's words and removes the disks (and unreferenced ones when asked).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pveError } from '../../helpers/sim.js';
import {
  qemuClone,
  qemuDestroy,
  qemuPower,
  qemuReadConfig,
  qemuTemplate,
  qemuUpdateConfig,
} from '../../../src/pve/qemu.js';
import { NODE, qemuRig, type QemuRig } from './rig.js';

describe('qemu template, clone and destroy', () => {
  let r: QemuRig;
  const vols = () => Object.keys(r.s.sim.state.nodes[NODE]!.storages['local-lvm']!.volumes);
  before(async () => {
    r = await qemuRig();
    await r.create(9000, {
      name: 'debian-tpl',
      scsi0: 'local-lvm:4',
      ide2: 'local-lvm:cloudinit',
      net0: 'virtio=BC:24:11:00:90:00,bridge=vmbr0',
      ciuser: 'ops',
    });
  });
  after(() => r.close());

  test('a linked clone of a VM that is no template is refused', async () => {
    const e = await pveError(
      r.s.api.nodes.$(NODE).qemu.$(9000).clone.$post({ newid: 700, full: false }),
    );
    assert.deepEqual(
      [e.status, e.message],
      [500, "Linked clone feature is not supported for 'local-lvm:vm-9000-disk-0' (scsi0)\n"],
    );
  });

  test('POST /template turns the disks into base volumes', async () => {
    const upid = await qemuTemplate(r.pve, NODE, 9000);
    assert.match(upid, /:qmtemplate:9000:/);
    assert.equal(await r.finish(upid), 'OK');
    const conf = (await qemuReadConfig(r.pve, NODE, 9000)).current;
    assert.equal(conf.template, 1);
    assert.equal(conf.scsi0, 'local-lvm:base-9000-disk-0,size=4G');
    const again = await pveError(r.s.api.nodes.$(NODE).qemu.$(9000).template.$post());
    assert.equal(again.message, "you can't convert a template to a template\n");
    const start = await qemuPower(r.pve, NODE, 9000, 'start');
    assert.equal(await r.finish(start), "you can't start a vm if it's a template");
  });

  test('linked clone (default for a template) and full clone to another name', async () => {
    const upid = await qemuClone(r.pve, NODE, 9000, { newid: 701, name: 'web-a' });
    assert.match(upid, /:qmclone:9000:/);
    assert.equal(await r.finish(upid), 'OK');
    const a = (await qemuReadConfig(r.pve, NODE, 701)).current;
    assert.equal(a.name, 'web-a');
    assert.equal(a.scsi0, 'local-lvm:base-9000-disk-0/vm-701-disk-0,size=4G');
    assert.equal(a.ide2, 'local-lvm:vm-701-cloudinit,media=cdrom');
    assert.equal(a.template, undefined);
    assert.equal(a.ciuser, 'ops');
    assert.notEqual(a.net0, 'virtio=BC:24:11:00:90:00,bridge=vmbr0');
    assert.match(String(a.net0), /^virtio=BC:24:11:[0-9A-F:]{8},bridge=vmbr0$/);

    assert.equal(
      await r.finish(await qemuClone(r.pve, NODE, 9000, { newid: 702, full: true })),
      'OK',
    );
    const b = (await qemuReadConfig(r.pve, NODE, 702)).current;
    assert.equal(b.name, 'Copy-of-VM-debian-tpl');
    assert.equal(b.scsi0, 'local-lvm:vm-702-disk-0,size=4G');
    const taken = await pveError(r.s.api.nodes.$(NODE).qemu.$(9000).clone.$post({ newid: 701 }));
    assert.equal(taken.message, 'unable to create VM 701: config file already exists\n');
    const linkedStorage = await pveError(
      r.s.api.nodes.$(NODE).qemu.$(9000).clone.$post({ newid: 703, storage: 'local-lvm' }),
    );
    assert.equal(linkedStorage.message, "parameter 'storage' not allowed for linked clones\n");
  });

  test('destroy: protection and running refused; purge removes the disks', async () => {
    await qemuUpdateConfig(r.pve, NODE, 701, { protection: 1 });
    const prot = await pveError(r.s.api.nodes.$(NODE).qemu.$(701).$delete());
    assert.deepEqual(
      [prot.status, prot.message],
      [500, "can't remove VM 701 - protection mode enabled\n"],
    );
    await qemuUpdateConfig(r.pve, NODE, 701, { delete: 'protection' });
    assert.equal(await r.finish(await qemuPower(r.pve, NODE, 701, 'start')), 'OK');
    const running = await pveError(r.s.api.nodes.$(NODE).qemu.$(701).$delete());
    assert.equal(running.message, 'VM 701 is running - destroy failed\n');
    assert.equal(await r.finish(await qemuPower(r.pve, NODE, 701, 'stop')), 'OK');

    const upid = await qemuDestroy(r.pve, NODE, 701, { purge: true });
    assert.match(upid, /:qmdestroy:701:/);
    assert.equal(await r.finish(upid), 'OK');
    assert.ok(!vols().some((v) => /vm-701-/.test(v)));
    assert.ok(vols().includes('local-lvm:base-9000-disk-0'), 'the template keeps its base disk');
    const gone = await pveError(r.s.api.nodes.$(NODE).qemu.$(701).config.$get());
    assert.equal(
      gone.message,
      "Configuration file 'nodes/pve/qemu-server/701.conf' does not exist\n",
    );
    const res = await r.pve.clusterResources('vm');
    assert.ok(!res.some((x) => x.id === 'qemu/701'));
  });

  test('destroy-unreferenced-disks also removes a disk the config no longer names', async () => {
    r.s.sim.state.nodes[NODE]!.storages['local-lvm']!.volumes['local-lvm:vm-702-disk-7'] = {
      volid: 'local-lvm:vm-702-disk-7',
      content: 'images',
      format: 'raw',
      size: 1024 ** 3,
      ctime: 0,
      vmid: 702,
    };
    assert.equal(
      await r.finish(await qemuDestroy(r.pve, NODE, 702, { destroyUnreferencedDisks: true })),
      'OK',
    );
    assert.ok(!vols().some((v) => /vm-702-/.test(v)));
  });
});
