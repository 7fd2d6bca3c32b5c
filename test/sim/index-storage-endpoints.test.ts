/**
 * Indexes, storage configuration, realms, datacenter options, single volumes and the appliance
 * index over HTTP with the real client. Each case names the Proxmox source it mirrors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { pveError, rawRequest, startSim, type StartedSim } from '../helpers/sim.js';
import { waitFor } from '../helpers/wait.js';

const DEBIAN = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

describe('indexes, storage and datacenter endpoints over HTTP', () => {
  const clock = new ManualClock();
  let s: StartedSim;
  const pve = () => s.api.nodes.$('pve');
  const get = async (path: string, auth = true): Promise<{ status: number; body: unknown }> => {
    const r = await rawRequest(`${s.url}/api2/json${path}`, {
      headers: auth ? { Authorization: s.authHeader } : {},
    });
    return { status: r.status, body: r.body === '' ? undefined : JSON.parse(r.body) };
  };

  before(async () => {
    s = await startSim({ clock });
  });
  after(() => s.close());

  // pve-manager PVE/API2.pm index: `version`, then the subclass mounts in registration order.
  test('GET / lists the API roots', async () => {
    const r = await get('/');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {
      data: ['version', 'cluster', 'nodes', 'storage', 'access', 'pools'].map((subdir) => ({
        subdir,
      })),
    });
  });

  // pve-manager PVE/API2/Nodes.pm index: a fixed list of `{name}`; an unknown node fails lookup.
  test('GET /nodes/{node} lists the node subdirectories', async () => {
    const names = (await pve().$get()).map((e) => (e as { name: string }).name);
    assert.equal(names.length, 41);
    for (const n of ['aplinfo', 'lxc', 'network', 'storage', 'tasks', 'status', 'wakeonlan'])
      assert.ok(names.includes(n), n);
    const err = await pveError(s.api.nodes.$('ghost').$get());
    assert.equal(err.status, 500);
    assert.match(err.message, /^hostname lookup 'ghost' failed/);
  });

  // pve-storage PVE/API2/Storage/Config.pm index/read ($api_storage_config: storage, digest,
  // content encoded as a list).
  test('GET /storage and /storage/{storage} show storage.cfg sections', async () => {
    const list = (await s.api.storage.$get()) as Record<string, unknown>[];
    assert.deepEqual(
      list.map(({ digest: _d, ...rest }) => rest),
      [
        { type: 'dir', path: '/var/lib/vz', content: 'backup,import,iso,vztmpl', storage: 'local' },
        {
          type: 'lvmthin',
          thinpool: 'data',
          vgname: 'pve',
          content: 'images,rootdir',
          storage: 'local-lvm',
        },
      ],
    );
    assert.match(String(list[0]?.digest), /^[0-9a-f]{40}$/);
    assert.deepEqual(await s.api.storage.$get({ type: 'lvmthin' }), [list[1]]);
    assert.deepEqual(await s.api.storage.$('local').$get(), list[0]);
    const missing = await pveError(s.api.storage.$('nope').$get());
    assert.equal(missing.message, "storage 'nope' does not exist\n");
    const badType = await pveError(s.api.storage.$get({ type: 'ext4' as 'dir' }));
    assert.equal(badType.status, 400);
  });

  // pve-access-control PVE/API2/Domains.pm index (defaults from PVE/Auth/Plugin.pm) and
  // pve-manager PVE/HTTPServer.pm auth_handler: GET /access/domains needs no authentication.
  test('GET /access/domains answers without credentials', async () => {
    const r = await get('/access/domains', false);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {
      data: [
        { realm: 'pam', type: 'pam', comment: 'Linux PAM standard authentication' },
        { realm: 'pve', type: 'pve', comment: 'Proxmox VE authentication server' },
      ],
    });
    assert.equal((await get('/access/ticket/x', false)).status, 401);
  });

  // pve-manager PVE/API2/Cluster.pm get_options: datacenter.cfg plus allowed-tags.
  test('GET /cluster/options: an empty datacenter.cfg and the tags in use', async () => {
    assert.deepEqual(await s.api.cluster.options.$get(), { 'allowed-tags': [] });
    s.sim.state.nextId = { lower: 200, upper: 300 };
    assert.deepEqual(await s.api.cluster.options.$get(), {
      'next-id': { lower: '200', upper: '300' },
      'allowed-tags': [],
    });
    s.sim.state.nextId = { lower: 100, upper: 1_000_000 };
  });

  // pve-storage PVE/API2/Storage/Content.pm info ($real_volume_id, volume_size_info).
  test('GET a volume by full id or by name; mismatches and unknown volumes fail', async () => {
    const content = pve().storage.$('local').content;
    const info = await content.$(DEBIAN).$get();
    assert.deepEqual(info, {
      path: '/var/lib/vz/template/cache/debian-12-standard_12.7-1_amd64.tar.zst',
      size: 126_761_513,
      used: 126_761_513,
      format: 'tzst',
    });
    assert.deepEqual(
      await content.$('vztmpl/debian-12-standard_12.7-1_amd64.tar.zst').$get(),
      info,
    );
    const mismatch = await pveError(pve().storage.$('local-lvm').content.$(DEBIAN).$get());
    assert.deepEqual(mismatch.errors, { volume: 'storage ID mismatch (local != local-lvm)\n' });
    const gone = await pveError(content.$('local:iso/none.iso').$get());
    assert.equal(gone.message, "volume_size_info on 'local:iso/none.iso' failed - no format\n");
  });

  // pve-storage PVE/API2/Storage/Content.pm delete: an `imgdel` worker; `delay` waits for it.
  test('DELETE a volume runs imgdel; with delay it answers null once done', async () => {
    const content = pve().storage.$('local').content;
    const alpine = 'local:vztmpl/alpine-3.20-default_20240908_amd64.tar.xz';
    const upid = await content.$(alpine).$delete();
    assert.match(String(upid), /^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:imgdel:local:/);
    clock.advance(1000);
    const st = await pve().tasks.$(String(upid)).status.$get();
    assert.equal(st.exitstatus, 'OK');
    const log = (await pve().tasks.$(String(upid)).log.$get()).map((l) => l.t);
    assert.deepEqual(log, [`Removed volume '${alpine}'`, 'TASK OK']);
    assert.equal(s.sim.state.nodes.pve?.storages.local?.volumes[alpine], undefined);

    const ubuntu = 'vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst';
    const pending = content.$(ubuntu).$delete({ delay: 5 });
    // The handler starts the worker and sleeps on the sim clock in one synchronous step.
    await waitFor('the delayed imgdel worker to start', () =>
      s.sim.state.tasks.some((t) => t.type === 'imgdel' && t.status === 'running'),
    );
    clock.advance(1000);
    assert.equal(await pending, null);
    assert.equal(s.sim.state.nodes.pve?.storages.local?.volumes[`local:${ubuntu}`], undefined);
  });

  // pve-manager PVE/API2/Nodes.pm aplinfo over PVE/APLInfo.pm read_aplinfo_from_fh.
  test('GET /nodes/{node}/aplinfo lists appliances with template and absolute location', async () => {
    const list = (await pve().aplinfo.$get()) as Record<string, string>[];
    const deb = list.find((a) => a.template === 'debian-12-standard_12.7-1_amd64.tar.zst');
    assert.ok(deb);
    assert.equal(deb.package, 'debian-12-standard');
    assert.equal(deb.version, '12.7-1');
    assert.equal(deb.os, 'debian-12');
    assert.equal(deb.type, 'lxc');
    assert.equal(deb.section, 'system');
    assert.equal(
      deb.location,
      'http://download.proxmox.com/images/system/debian-12-standard_12.7-1_amd64.tar.zst',
    );
    assert.equal(deb.headline, 'Debian 12 Bookworm (standard)');
  });
});
