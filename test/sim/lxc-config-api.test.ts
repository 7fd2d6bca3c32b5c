import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { startSim, type StartedSim, pveError } from '../helpers/sim.js';

const DEBIAN = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

describe('lxc config, pending and interfaces over HTTP', () => {
  const clock = new ManualClock();
  let s: StartedSim;
  const ct = (vmid: number) => s.api.nodes.$('pve').lxc.$(vmid);

  async function finish(upid: string): Promise<string | undefined> {
    clock.advance(30_000);
    const st = await s.api.nodes.$('pve').tasks.$(upid).status.$get();
    assert.equal(st.status, 'stopped');
    return st.exitstatus;
  }

  async function create(vmid: number, extra: Record<string, unknown> = {}): Promise<void> {
    const upid = await s.api.nodes.$('pve').lxc.$post({
      vmid,
      ostemplate: DEBIAN,
      storage: 'local-lvm',
      ...extra,
    });
    // debian-12 without nesting=1 ends with the systemd nesting warning.
    assert.match(String(await finish(upid)), /^(OK|WARNINGS: 1)$/);
  }

  const start = async (vmid: number): Promise<void> => {
    assert.equal(await finish(await ct(vmid).status.start.$post()), 'OK');
  };

  before(async () => {
    s = await startSim({ clock });
    await create(200, { net0: 'name=eth0,bridge=vmbr0,ip=dhcp' });
  });
  after(() => s.close());

  test('PUT config with the current digest applies; a stale digest is refused', async () => {
    const { digest } = await ct(200).config.$get();
    assert.equal(await ct(200).config.$put({ memory: 1024, digest }), null);
    const after = await ct(200).config.$get();
    assert.equal(after.memory, 1024);
    assert.notEqual(after.digest, digest);
    const stale = await pveError(ct(200).config.$put({ memory: 2048, digest }));
    assert.deepEqual(
      [stale.status, stale.message],
      [500, 'detected modified configuration - file changed by other user? Try again.\n'],
    );
    assert.equal((await ct(200).config.$get()).memory, 1024);
  });

  test('PUT config answers Proxmox errors for empty, unknown, read-only and required options', async () => {
    const cases: [Record<string, unknown>, number, string, Record<string, string>?][] = [
      [{}, 500, 'no options specified\n'],
      [
        { delete: 'colour' },
        400,
        'Parameter verification failed.\n',
        { delete: "unknown option 'colour'" },
      ],
      [
        { delete: 'memory', memory: 512 },
        400,
        'Parameter verification failed.\n',
        { delete: "you can't use '-memory' and -delete memory' at the same time" },
      ],
      [{ unprivileged: 0 }, 500, "unable to modify read-only option: 'unprivileged'\n"],
      [{ delete: 'memory' }, 500, "unable to delete required option 'memory'\n"],
    ];
    for (const [params, status, message, errors] of cases) {
      const err = await pveError(ct(200).config.$put(params));
      assert.deepEqual([err.status, err.message], [status, message], JSON.stringify(params));
      if (errors) assert.deepEqual(err.errors, errors);
    }
  });

  test('a stopped container is changed at once and has nothing pending', async () => {
    await ct(200).config.$put({ nameserver: '9.9.9.9', tags: 'B a', description: 'hello' });
    const conf = await ct(200).config.$get({ current: true });
    assert.equal(conf.nameserver, '9.9.9.9');
    assert.equal(conf.tags, 'a;b');
    assert.equal(conf.description, 'hello\n');
    const pending = await ct(200).pending.$get();
    assert.deepEqual(
      pending.filter((p) => p.pending !== undefined || p.delete !== undefined),
      [],
    );
  });

  test('a running container hot-plugs memory and hostname, keeps other keys pending until it starts again', async () => {
    await start(200);
    await ct(200).config.$put({
      memory: 768,
      hostname: 'web',
      searchdomain: 'lan',
      delete: 'nameserver',
    });

    const merged = await ct(200).config.$get();
    assert.equal(merged.memory, 768);
    assert.equal(merged.hostname, 'web');
    assert.equal(merged.searchdomain, 'lan');
    assert.equal(merged.nameserver, undefined);

    const current = await ct(200).config.$get({ current: true });
    assert.equal(current.memory, 768);
    assert.equal(current.hostname, 'web');
    assert.equal(current.searchdomain, undefined);
    assert.equal(current.nameserver, '9.9.9.9');

    const pending = (await ct(200).pending.$get()).filter(
      (p) => p.pending !== undefined || p.delete !== undefined,
    );
    assert.deepEqual(pending, [
      { key: 'nameserver', value: '9.9.9.9', delete: 1 },
      { key: 'searchdomain', pending: 'lan' },
    ]);

    // Stopping keeps [pve:pending]; Proxmox applies it when the container starts (vm_start).
    assert.equal(await finish(await ct(200).status.stop.$post()), 'OK');
    assert.equal((await ct(200).config.$get({ current: true })).searchdomain, undefined);
    await start(200);
    const applied = await ct(200).config.$get({ current: true });
    assert.equal(applied.searchdomain, 'lan');
    assert.equal(applied.nameserver, undefined);
    assert.deepEqual(
      (await ct(200).pending.$get()).filter(
        (p) => p.pending !== undefined || p.delete !== undefined,
      ),
      [],
    );
  });

  test('reboot applies pending changes', async () => {
    await ct(200).config.$put({ ostype: 'ubuntu' });
    assert.equal((await ct(200).config.$get({ current: true })).ostype, 'debian');
    assert.equal(await finish(await ct(200).status.reboot.$post()), 'OK');
    assert.equal((await ct(200).config.$get({ current: true })).ostype, 'ubuntu');
  });

  test('a container does not start while a bridge of its NICs is missing', async () => {
    await create(202, { net0: 'name=eth0,bridge=vmbr1,ip=dhcp' });
    const upid = await ct(202).status.start.$post();
    assert.equal(await finish(upid), "startup for container '202' failed");
    assert.equal((await ct(202).status.current.$get()).status, 'stopped');
    const hot = await pveError(ct(200).config.$put({ net1: 'name=eth1,bridge=vmbr1' }));
    assert.deepEqual(hot.errors, { net1: "unable to hotplug net1: bridge 'vmbr1' does not exist" });

    // Once the bridge exists and the network is reloaded, the container starts.
    await s.api.nodes.$('pve').network.$post({ iface: 'vmbr1', type: 'bridge', autostart: true });
    assert.equal(await finish(await s.api.nodes.$('pve').network.$put()), 'OK');
    await start(202);
  });

  test('interfaces are null while stopped, and show static and DHCP addresses while running', async () => {
    // vmbr1 exists since the previous test created and reloaded it.
    await create(201, {
      net0: 'name=eth0,bridge=vmbr0,ip=dhcp,hwaddr=BC:24:11:00:00:10',
      net1: 'name=eth1,bridge=vmbr1,ip=10.9.0.5/24,hwaddr=BC:24:11:00:00:11',
    });
    assert.equal(await ct(201).interfaces.$get(), null);
    await start(201);
    const ifaces = await ct(201).interfaces.$get();
    assert.ok(ifaces);
    assert.deepEqual(
      ifaces.map((i) => i.name),
      ['lo', 'eth0', 'eth1'],
    );
    const eth1 = ifaces.find((i) => i.name === 'eth1');
    assert.equal(eth1?.inet, '10.9.0.5/24');
    assert.equal(eth1?.hwaddr, 'bc:24:11:00:00:11');
    assert.equal(eth1?.['hardware-address'], 'bc:24:11:00:00:11');
    assert.deepEqual(eth1?.['ip-addresses']?.[0], {
      'ip-address-type': 'inet',
      'ip-address': '10.9.0.5',
      prefix: 24,
    });
    const eth0 = ifaces.find((i) => i.name === 'eth0');
    assert.match(String(eth0?.inet), /^\d+\.\d+\.\d+\.\d+\/\d+$/);

    // The lease is stable per MAC while running, and another container gets another address.
    const again = await ct(201).interfaces.$get();
    assert.equal(again?.find((i) => i.name === 'eth0')?.inet, eth0?.inet);
    const other = (await ct(200).interfaces.$get())?.find((i) => i.name === 'eth0');
    assert.match(String(other?.inet), /^\d+\.\d+\.\d+\.\d+\/\d+$/);
    assert.notEqual(other?.inet, eth0?.inet);
  });

  test('resize grows a disk in a task and refuses to shrink it', async () => {
    const upid = await ct(201).resize.$put({ disk: 'rootfs', size: '+2G' });
    assert.match(upid, /:resize:201:root@pam!pxr:$/);
    assert.equal(await finish(upid), 'OK');
    assert.equal((await ct(201).config.$get()).rootfs, 'local-lvm:vm-201-disk-0,size=6G');
    const vol = s.sim.state.nodes.pve?.storages['local-lvm']?.volumes['local-lvm:vm-201-disk-0'];
    assert.equal(vol?.size, 6 * 1024 ** 3);
    const shrink = await pveError(ct(201).resize.$put({ disk: 'rootfs', size: '1G' }));
    assert.deepEqual([shrink.status, shrink.message], [500, 'unable to shrink disk size\n']);
  });

  test('a missing container answers the config-file error on every read', async () => {
    for (const call of [
      ct(299).config.$get(),
      ct(299).pending.$get(),
      ct(299).status.current.$get(),
      ct(299).interfaces.$get(),
    ]) {
      const err = await pveError(call);
      assert.deepEqual(
        [err.status, err.message],
        [500, "Configuration file 'nodes/pve/lxc/299.conf' does not exist\n"],
      );
    }
  });
});
