/**
 * POST /status/start|stop|shutdown|reboot, GET /status/current and PUT /resize over HTTP: the
 * running-state errors (in the worker, reboot's synchronous), the lock checked inside the worker, qmpstatus and the agent
 * flag, and resize growing only (shrinking fails the `resize` task with qemu-server's words).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pveError } from '../../helpers/sim.js';
import { qemuPower, qemuReadConfig, qemuResize, qemuStatus } from '../../../src/pve/qemu.js';
import { NODE, qemuRig, type QemuRig } from './rig.js';

describe('qemu power and resize', () => {
  let r: QemuRig;
  const vm = (vmid: number) => r.s.api.nodes.$(NODE).qemu.$(vmid);
  before(async () => {
    r = await qemuRig();
    await r.create(300, {
      name: 'p',
      scsi0: 'local-lvm:4',
      agent: '1',
      net0: 'virtio,bridge=vmbr0',
    });
  });
  after(() => r.close());

  test('start, status/current while running, already running, shutdown, reboot when stopped', async () => {
    const stopped = await qemuStatus(r.pve, NODE, 300);
    assert.deepEqual([stopped.status, stopped.qmpstatus, stopped.agent], ['stopped', 'stopped', 1]);
    const upid = await qemuPower(r.pve, NODE, 300, 'start');
    assert.match(upid, /:qmstart:300:/);
    assert.equal(await r.finish(upid), 'OK');
    const st = await qemuStatus(r.pve, NODE, 300);
    assert.deepEqual([st.status, st.qmpstatus, st.name], ['running', 'running', 'p']);
    assert.equal(typeof st.pid, 'number');
    // vm_start dies in the worker: the request gets a UPID, the task fails
    const again = await qemuPower(r.pve, NODE, 300, 'start');
    assert.equal(await r.finish(again), 'VM 300 already running');
    assert.equal(await r.finish(await qemuPower(r.pve, NODE, 300, 'shutdown')), 'OK');
    // only reboot checks synchronously; stopping a stopped VM is a no-op task
    const reboot = await pveError(vm(300).status.reboot.$post());
    assert.deepEqual([reboot.status, reboot.message], [500, 'VM 300 not running\n']);
    assert.equal(await r.finish(await qemuPower(r.pve, NODE, 300, 'stop')), 'OK');
  });

  test('a lock fails the start task, not the request', async () => {
    r.s.sim.state.nodes[NODE]!.qemu!['300']!.config.lock = 'backup';
    const upid = await qemuPower(r.pve, NODE, 300, 'start');
    assert.equal(await r.finish(upid), 'VM is locked (backup)');
    delete r.s.sim.state.nodes[NODE]!.qemu!['300']!.config.lock;
  });

  test('a NIC on a missing bridge fails the start', async () => {
    await r.create(301, { net0: 'virtio,bridge=vmbr9' });
    assert.equal(
      await r.finish(await qemuPower(r.pve, NODE, 301, 'start')),
      'start failed: QEMU exited with code 1',
    );
  });

  test('resize grows (absolute and +N); shrinking and cdroms fail the task', async () => {
    const upid = await qemuResize(r.pve, NODE, 300, 'scsi0', '+2G');
    assert.match(upid, /:resize:300:/);
    assert.equal(await r.finish(upid), 'OK');
    assert.equal(
      (await qemuReadConfig(r.pve, NODE, 300)).current.scsi0,
      'local-lvm:vm-300-disk-0,size=6G',
    );
    assert.equal(await r.finish(await qemuResize(r.pve, NODE, 300, 'scsi0', '8G')), 'OK');
    const vol =
      r.s.sim.state.nodes[NODE]!.storages['local-lvm']!.volumes['local-lvm:vm-300-disk-0'];
    assert.equal(vol?.size, 8 * 1024 ** 3);
    assert.equal(
      await r.finish(await qemuResize(r.pve, NODE, 300, 'scsi0', '4G')),
      'shrinking disks is not supported',
    );
    assert.equal(
      await r.finish(await qemuResize(r.pve, NODE, 300, 'scsi5', '+1G')),
      "disk 'scsi5' does not exist",
    );
    const { digest } = await qemuReadConfig(r.pve, NODE, 300);
    await r.s.api.nodes.$(NODE).qemu.$(300).config.$put({ name: 'moved' });
    assert.equal(
      await r.finish(await qemuResize(r.pve, NODE, 300, 'scsi0', '+1G', digest)),
      'checksum mismatch (file change by other user?)',
    );
  });
});
