/**
 * Container snapshots, templates and the feature check over HTTP with the real client: tasks with
 * UPIDs, the config locks while they run, the parent chain, rollback and delete. Each case names
 * the Proxmox source it mirrors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { pveError, startSim, type StartedSim } from '../helpers/sim.js';

const DEBIAN = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

describe('lxc snapshots, template and feature over HTTP', () => {
  const clock = new ManualClock();
  let s: StartedSim;
  const pve = () => s.api.nodes.$('pve');
  const ct = (vmid: number) => pve().lxc.$(vmid);

  async function finish(upid: string): Promise<string | undefined> {
    clock.advance(30_000);
    const st = await pve().tasks.$(upid).status.$get();
    assert.equal(st.status, 'stopped', `task ${upid} did not end`);
    return st.exitstatus;
  }
  const names = async (vmid: number): Promise<unknown[]> =>
    (await ct(vmid).snapshot.$get()).map((e) => {
      const { name, parent } = e as { name: string; parent?: string };
      return parent === undefined ? [name] : [name, parent];
    });

  before(async () => {
    s = await startSim({ clock });
    await finish(await pve().lxc.$post({ vmid: 200, ostemplate: DEBIAN, storage: 'local-lvm' }));
    // rootfs on the `local` directory storage: raw files have no snapshots.
    await finish(
      await pve().lxc.$post({
        vmid: 201,
        ostemplate: DEBIAN,
        storage: 'local-lvm',
        rootfs: 'local-lvm:2',
        mp0: '/srv/data,mp=/data',
      }),
    );
  });
  after(() => s.close());

  // pve-guest-common PVE/AbstractConfig.pm __snapshot_prepare/__snapshot_commit; pve-container
  // PVE/API2/LXC/Snapshot.pm snapshot (vzsnapshot worker, reserved names) and list.
  test('create holds lock=snapshot while the worker runs, then records the parent chain', async () => {
    const upid = await ct(200).snapshot.$post({ snapname: 's1', description: 'first' });
    assert.match(upid, /^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:vzsnapshot:200:/);
    assert.equal((await ct(200).config.$get()).lock, 'snapshot');
    const busy = await pveError(ct(200).config.$put({ memory: 1024 }));
    assert.equal(busy.message, 'CT is locked (snapshot)\n');
    assert.equal(await finish(upid), 'OK');
    const log = (await pve().tasks.$(upid).log.$get()).map((l) => l.t);
    assert.deepEqual(log, ['  Logical volume "snap_vm-200-disk-0_s1" created.', 'TASK OK']);
    assert.equal((await ct(200).config.$get()).parent, 's1');

    assert.equal(await finish(await ct(200).snapshot.$post({ snapname: 's2' })), 'OK');
    assert.deepEqual(await names(200), [['s1'], ['s2', 's1'], ['current', 's2']]);
    const list = await ct(200).snapshot.$get();
    assert.equal(list[0]?.description, 'first\n');
    assert.equal(list[2]?.description, 'You are here!');
    assert.match(String((list[2] as { digest?: string }).digest), /^[0-9a-f]{40}$/);

    const reserved = await pveError(ct(200).snapshot.$post({ snapname: 'current' }));
    assert.equal(reserved.message, "unable to use snapshot name 'current' (reserved name)\n");
    assert.equal(
      await finish(await ct(200).snapshot.$post({ snapname: 's1' })),
      "snapshot name 's1' already used",
    );
  });

  // pve-container PVE/LXC/Config.pm has_feature over PVE::Storage::volume_has_feature: a bind
  // mount point blocks snapshots; LvmThinPlugin.pm has snapshot/clone/copy features.
  test('feature check and a snapshot refused for lack of the feature', async () => {
    assert.deepEqual(await ct(200).feature.$get({ feature: 'snapshot' }), { hasFeature: 1 });
    assert.deepEqual(await ct(200).feature.$get({ feature: 'clone', snapname: 's1' }), {
      hasFeature: 1,
    });
    assert.deepEqual(await ct(201).feature.$get({ feature: 'snapshot' }), { hasFeature: 0 });
    assert.equal(
      await finish(await ct(201).snapshot.$post({ snapname: 'xx' })),
      'snapshot feature is not available',
    );
    assert.equal((await ct(201).config.$get()).lock, undefined);
    assert.deepEqual(await names(201), [['current']]);
  });

  // pve-container PVE/API2/LXC.pm vm_config with `snapshot`; Snapshot.pm get/update config.
  test('snapshot config reads back the copied keys; its description can change', async () => {
    await ct(200).config.$put({ memory: 2048 });
    const snap = await ct(200).snapshot.$('s1').config.$get();
    assert.equal(snap.memory, 512);
    assert.equal(typeof snap.snaptime, 'number');
    assert.equal(snap.lock, undefined);
    const viaConfig = await ct(200).config.$get({ snapshot: 's1' });
    assert.equal(viaConfig.memory, 512);
    assert.match(String(viaConfig.digest), /^[0-9a-f]{40}$/);
    await ct(200).snapshot.$('s1').config.$put({ description: 'renamed' });
    assert.equal((await ct(200).snapshot.$('s1').config.$get()).description, 'renamed\n');
    const missing = await pveError(ct(200).snapshot.$('nope').config.$get());
    assert.equal(missing.message, "snapshot 'nope' does not exist\n");
  });

  // pve-guest-common PVE/AbstractConfig.pm snapshot_rollback (stop, lock=rollback, apply config,
  // parent) and pve-container Snapshot.pm rollback `start`.
  test('rollback stops the CT, restores the config and starts it when asked', async () => {
    assert.equal(await finish(await ct(200).status.start.$post()), 'OK');
    const upid = await ct(200).snapshot.$('s1').rollback.$post({ start: true });
    assert.match(upid, /:vzrollback:200:/);
    const during = await ct(200).status.current.$get();
    assert.equal(during.status, 'stopped');
    assert.equal(during.lock, 'rollback');
    assert.equal(await finish(upid), 'OK');
    const conf = await ct(200).config.$get();
    assert.equal(conf.memory, 512);
    assert.equal(conf.parent, 's1');
    assert.equal(conf.lock, undefined);
    assert.equal((await ct(200).status.current.$get()).status, 'running');
    assert.equal(await finish(await ct(200).status.stop.$post()), 'OK');
  });

  // pve-guest-common PVE/AbstractConfig.pm snapshot_delete (lock=snapshot-delete, unlink_parent).
  test('delete relinks children to the deleted snapshot parent', async () => {
    assert.equal(await finish(await ct(200).snapshot.$post({ snapname: 's3' })), 'OK');
    // s3's parent is s1 (after the rollback), s2's parent is s1 too.
    const upid = await ct(200).snapshot.$('s1').$delete();
    assert.equal((await ct(200).config.$get()).lock, 'snapshot-delete');
    assert.equal(await finish(upid), 'OK');
    assert.deepEqual(await names(200), [['s2'], ['s3'], ['current', 's3']]);
    const gone = await finish(await ct(200).snapshot.$('s1').$delete());
    assert.equal(gone, "snapshot 's1' does not exist");
  });

  // pve-container PVE/API2/LXC.pm template + PVE/LXC.pm template_create (vdisk_create_base).
  test('template refuses snapshots, then renames the disks to base volumes', async () => {
    const withSnaps = await pveError(ct(200).template.$post());
    assert.equal(withSnaps.message, 'unable to create template, because CT contains snapshots\n');
    await finish(await pve().lxc.$post({ vmid: 202, ostemplate: DEBIAN, storage: 'local-lvm' }));
    assert.equal(await ct(202).template.$post(), null);
    clock.advance(30_000);
    const conf = await ct(202).config.$get();
    assert.equal(conf.template, 1);
    assert.match(String(conf.rootfs), /^local-lvm:base-202-disk-0,size=4G$/);
    const vols = Object.keys(s.sim.state.nodes.pve?.storages['local-lvm']?.volumes ?? {});
    assert.ok(vols.includes('local-lvm:base-202-disk-0'));
    assert.ok(!vols.includes('local-lvm:vm-202-disk-0'));
    const again = await pveError(ct(202).template.$post());
    assert.equal(again.message, "you can't convert a template to a template\n");
    assert.equal(
      await finish(await ct(202).snapshot.$post({ snapname: 'tt' })),
      "you can't take a snapshot if it's a template",
    );
  });

  // pve-container PVE/API2/LXC.pm clone_vm: lock=disk on the source and lock=create on the new
  // CT while vzclone runs; a template clones linked (vdisk_clone), a CT copies (full).
  test('clone: linked from a template, full from a CT, locks while the worker runs', async () => {
    const linked = await ct(202).clone.$post({ newid: 203, hostname: 'linked' });
    assert.match(linked, /:vzclone:202:/);
    assert.equal((await ct(202).config.$get()).lock, 'disk');
    assert.equal((await ct(203).config.$get()).lock, 'create');
    assert.equal(await finish(linked), 'OK');
    const c203 = await ct(203).config.$get();
    assert.match(String(c203.rootfs), /^local-lvm:base-202-disk-0\/vm-203-disk-0,size=4G$/);
    assert.equal(c203.hostname, 'linked');
    assert.equal(c203.template, undefined);
    assert.equal(c203.lock, undefined);
    assert.equal((await ct(202).config.$get()).lock, undefined);

    const storageLinked = await pveError(
      ct(202).clone.$post({ newid: 205, full: false, storage: 'local-lvm' }),
    );
    assert.equal(storageLinked.message, "parameter 'storage' not allowed for linked clones\n");
    assert.equal((await ct(202).config.$get()).lock, undefined);

    assert.equal(await finish(await ct(200).status.start.$post()), 'OK');
    const running = await pveError(ct(200).clone.$post({ newid: 206 }));
    assert.equal(
      running.message,
      'Full clone of a running container is only possible from a snapshot\n',
    );
    assert.equal(await finish(await ct(200).status.stop.$post()), 'OK');
    const taken = await pveError(ct(200).clone.$post({ newid: 202 }));
    assert.equal(taken.message, "CT 202 already exists on node 'pve'\n");
    assert.equal((await ct(200).config.$get()).lock, undefined);

    await ct(200).config.$put({ net0: 'name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:00:01' });
    assert.equal(await finish(await ct(200).clone.$post({ newid: 204 })), 'OK');
    const c204 = await ct(204).config.$get();
    assert.match(String(c204.rootfs), /^local-lvm:vm-204-disk-0,size=4G$/);
    assert.equal(c204.parent, undefined);
    const mac = (v: unknown): string => /hwaddr=([^,]+)/.exec(String(v))?.[1] ?? '';
    // "always change MAC! address"
    assert.match(mac(c204.net0), /^BC:24:11:[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2}$/);
    assert.notEqual(mac(c204.net0), 'BC:24:11:00:00:01');
  });
});
