import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { startSim, type StartedSim, pveError } from '../helpers/sim.js';

const DEBIAN = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';
const ALPINE = 'local:vztmpl/alpine-3.20-default_20240908_amd64.tar.xz';

describe('lxc lifecycle over HTTP', () => {
  const clock = new ManualClock();
  let s: StartedSim;
  const pve = () => s.api.nodes.$('pve');
  const ct = (vmid: number) => pve().lxc.$(vmid);

  /** Lets every running task end (the sim completes them on its clock timers). */
  async function finish(upid: string, node = 'pve'): Promise<string | undefined> {
    clock.advance(30_000);
    const st = await s.api.nodes.$(node).tasks.$(upid).status.$get();
    assert.equal(st.status, 'stopped');
    return st.exitstatus;
  }

  async function create(vmid: number, extra: Record<string, unknown> = {}): Promise<void> {
    const upid = await pve().lxc.$post({
      vmid,
      ostemplate: DEBIAN,
      storage: 'local-lvm',
      ...extra,
    });
    // debian-12 without nesting=1 ends with the systemd nesting warning.
    assert.match(String(await finish(upid)), /^(OK|WARNINGS: 1)$/);
  }

  before(async () => {
    s = await startSim({ clock, nodes: ['pve', 'pve2'] });
  });
  after(() => s.close());

  test('create shows lock=create at once, then a task ends OK with Proxmox defaults', async () => {
    const upid = await pve().lxc.$post({
      vmid: 100,
      ostemplate: DEBIAN,
      storage: 'local-lvm',
      net0: 'bridge=vmbr0,name=eth0,ip=dhcp,firewall=1',
      tags: 'Web;prod,web',
      password: 'secret-pw',
      'ssh-public-keys': 'ssh-ed25519 AAAA test',
    });
    assert.match(upid, /^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:vzcreate:100:root@pam!pxr:$/);
    const during = await ct(100).config.$get();
    assert.equal(during.lock, 'create');
    const listed = (await pve().lxc.$get()).find((x) => x.vmid === 100);
    assert.equal(listed?.lock, 'create');
    assert.equal((await s.api.nodes.$('pve').tasks.$(upid).status.$get()).status, 'running');

    assert.equal(await finish(upid), 'WARNINGS: 1');
    const log = (await pve().tasks.$(upid).log.$get()).map((l) => l.t);
    assert.ok(log.includes('WARN: Systemd 252 detected. You may need to enable nesting.'));
    assert.equal(log.at(-1), 'TASK WARNINGS: 1');
    const conf = (await ct(100).config.$get()) as Record<string, unknown>;
    assert.equal(conf.lock, undefined);
    assert.equal(conf.hostname, 'CT100');
    assert.equal(conf.memory, 512);
    assert.equal(conf.swap, 512);
    assert.equal(conf.unprivileged, 1);
    assert.equal(conf.arch, 'amd64');
    assert.equal(conf.ostype, 'debian');
    assert.equal(conf.cores, undefined);
    assert.equal(conf.rootfs, 'local-lvm:vm-100-disk-0,size=4G');
    assert.equal(conf.tags, 'prod;web');
    assert.match(
      String(conf.net0),
      /^name=eth0,bridge=vmbr0,firewall=1,hwaddr=BC:24:11(:[0-9A-F]{2}){3},ip=dhcp,type=veth$/,
    );
    assert.match(String(conf.digest), /^[0-9a-f]{40}$/);
    assert.equal(JSON.stringify(conf).includes('secret-pw'), false);
    assert.equal(JSON.stringify(conf).includes('ssh-ed25519'), false);
    const vol = s.sim.state.nodes.pve?.storages['local-lvm']?.volumes['local-lvm:vm-100-disk-0'];
    assert.equal(vol?.size, 4 * 1024 ** 3);
    assert.equal(vol?.vmid, 100);
  });

  test('ostype follows the template and a bare rootfs number uses the default storage', async () => {
    const upid = await pve().lxc.$post({
      vmid: 105,
      ostemplate: ALPINE,
      storage: 'local-lvm',
      rootfs: '2',
    });
    assert.equal(await finish(upid), 'OK');
    const conf = await ct(105).config.$get();
    assert.equal(conf.ostype, 'alpine');
    assert.equal(conf.rootfs, 'local-lvm:vm-105-disk-0,size=2G');
  });

  test('the config cannot be changed while the create task holds lock=create', async () => {
    const upid = await pve().lxc.$post({
      vmid: 106,
      ostemplate: DEBIAN,
      storage: 'local-lvm',
      features: 'nesting=1',
    });
    const err = await pveError(ct(106).config.$put({ memory: 1024 }));
    assert.deepEqual([err.status, err.message], [500, 'CT is locked (create)\n']);
    assert.equal(await finish(upid), 'OK');
  });

  test('a VMID is unique across every node and guest type', async () => {
    const onOtherNode = await pveError(
      s.api.nodes.$('pve2').lxc.$post({ vmid: 100, ostemplate: DEBIAN, storage: 'local-lvm' }),
    );
    assert.deepEqual(
      [onOtherNode.status, onOtherNode.message],
      [500, "CT 100 already exists on node 'pve'\n"],
    );

    const pve2 = s.sim.state.nodes.pve2;
    assert.ok(pve2);
    pve2.qemu = {
      '101': {
        vmid: 101,
        config: { name: 'vm' },
        pending: {},
        pendingDelete: [],
        status: 'stopped',
      },
    };
    const vm = await pveError(
      pve().lxc.$post({ vmid: 101, ostemplate: DEBIAN, storage: 'local-lvm' }),
    );
    assert.deepEqual([vm.status, vm.message], [500, "VM 101 already exists on node 'pve2'\n"]);
  });

  test('create checks the template and the storage before starting a task', async () => {
    const missing = await pveError(
      pve().lxc.$post({
        vmid: 110,
        ostemplate: 'local:vztmpl/nope.tar.zst',
        storage: 'local-lvm',
      }),
    );
    assert.deepEqual(
      [missing.status, missing.message],
      [500, "volume 'local:vztmpl/nope.tar.zst' does not exist\n"],
    );
    const noRootdir = await pveError(pve().lxc.$post({ vmid: 110, ostemplate: DEBIAN }));
    assert.equal(noRootdir.status, 400);
    assert.deepEqual(noRootdir.errors, {
      storage: "storage 'local' does not support container directories",
    });
    const unknown = await pveError(
      pve().lxc.$post({ vmid: 110, ostemplate: DEBIAN, storage: 'tank' }),
    );
    assert.deepEqual([unknown.status, unknown.message], [500, "storage 'tank' does not exist\n"]);
    const gone = await pveError(ct(110).config.$get());
    assert.equal(gone.message, "Configuration file 'nodes/pve/lxc/110.conf' does not exist\n");
  });

  test('a failed create task destroys the config', async () => {
    s.sim.faults.addTaskFailure({
      type: 'vzcreate',
      id: '111',
      message: 'unable to create CT 111 - unpack failed',
      count: 1,
    });
    const upid = await pve().lxc.$post({
      vmid: 111,
      ostemplate: DEBIAN,
      storage: 'local-lvm',
    });
    assert.equal(await finish(upid), 'unable to create CT 111 - unpack failed');
    const gone = await pveError(ct(111).config.$get());
    assert.deepEqual(
      [gone.status, gone.message],
      [500, "Configuration file 'nodes/pve/lxc/111.conf' does not exist\n"],
    );
    assert.equal(
      (await pve().lxc.$get()).some((x) => x.vmid === 111),
      false,
    );
  });

  test('start, stop, shutdown and reboot answer Proxmox running-state errors synchronously', async () => {
    await create(120);
    const notRunning = await pveError(ct(120).status.stop.$post());
    assert.deepEqual([notRunning.status, notRunning.message], [500, 'CT 120 not running\n']);
    assert.equal((await pveError(ct(120).status.shutdown.$post())).message, 'CT 120 not running\n');
    assert.equal((await pveError(ct(120).status.suspend.$post())).message, 'CT 120 not running\n');
    assert.equal((await pveError(ct(120).status.reboot.$post())).message, 'VM 120 not running\n');

    const start = await ct(120).status.start.$post();
    assert.match(start, /:vzstart:120:root@pam!pxr:$/);
    assert.equal(await finish(start), 'OK');
    const cur = await ct(120).status.current.$get();
    assert.equal(cur.status, 'running');
    assert.ok(Number(cur.pid) > 0);
    assert.deepEqual((cur as Record<string, unknown>).ha, { managed: 0 });
    assert.equal(
      (await pveError(ct(120).status.start.$post())).message,
      'CT 120 already running\n',
    );

    assert.match(await ct(120).status.reboot.$post(), /:vzreboot:120:/);
    clock.advance(30_000);
    const shutdown = await ct(120).status.shutdown.$post();
    assert.equal(await finish(shutdown), 'OK');
    assert.equal((await ct(120).status.current.$get()).status, 'stopped');
  });

  test('a config lock fails the worker, not the request', async () => {
    await create(121);
    const conf = s.sim.state.nodes.pve?.lxc['121']?.config;
    assert.ok(conf);
    conf.lock = 'backup';
    const upid = await ct(121).status.start.$post();
    assert.equal(await finish(upid), 'CT is locked (backup)');
    assert.equal((await ct(121).status.current.$get()).status, 'stopped');
    delete conf.lock;
  });

  test('while another worker holds the config flock, requests and workers time out on it', async () => {
    await create(122);
    s.sim.faults.setLockContention(122, true);
    const put = await pveError(ct(122).config.$put({ memory: 1024 }));
    assert.deepEqual(
      [put.status, put.message],
      [500, "can't lock file '/run/lock/lxc/pve-config-122.lock' - got timeout\n"],
    );
    const upid = await ct(122).status.start.$post();
    assert.equal(
      await finish(upid),
      "can't lock file '/run/lock/lxc/pve-config-122.lock' - got timeout",
    );
    s.sim.faults.setLockContention(122, false);
  });

  test('destroy refuses protected, locked and running containers', async () => {
    await create(130, { protection: 1 });
    const prot = await pveError(ct(130).$delete());
    assert.deepEqual(
      [prot.status, prot.message],
      [500, "can't remove CT 130 - protection mode enabled\n"],
    );
    await ct(130).config.$put({ delete: 'protection' });

    const conf = s.sim.state.nodes.pve?.lxc['130']?.config;
    assert.ok(conf);
    conf.lock = 'snapshot';
    assert.equal((await pveError(ct(130).$delete())).message, 'CT is locked (snapshot)\n');
    delete conf.lock;

    assert.equal(await finish(await ct(130).status.start.$post()), 'OK');
    const running = await pveError(ct(130).$delete());
    assert.deepEqual(
      [running.status, running.message],
      [500, 'unable to destroy CT 130 - container is running\n'],
    );
  });

  test('destroy with force and purge stops the container and removes config, disks and firewall', async () => {
    const node = s.sim.state.nodes.pve;
    assert.ok(node);
    node.guestFirewall['130'] = {
      options: { enable: 1 },
      rules: [],
      ipsets: {},
      aliases: {},
    };
    const upid = await ct(130).$delete({ force: true, purge: true });
    assert.match(upid, /:vzdestroy:130:root@pam!pxr:$/);
    assert.equal(await finish(upid), 'OK');
    const gone = await pveError(ct(130).config.$get());
    assert.equal(gone.message, "Configuration file 'nodes/pve/lxc/130.conf' does not exist\n");
    assert.equal(node.storages['local-lvm']?.volumes['local-lvm:vm-130-disk-0'], undefined);
    assert.equal(node.guestFirewall['130'], undefined);
  });
});
