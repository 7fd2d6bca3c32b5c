/**
 * Resource pools and the parameter formats the simulator used to let through unchecked, over HTTP
 * with the real client. Each case names the Proxmox source it mirrors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { pveError, startSim, type StartedSim } from '../helpers/sim.js';

const DEBIAN = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

describe('pools and formats over HTTP', () => {
  const clock = new ManualClock();
  let s: StartedSim;
  const pve = () => s.api.nodes.$('pve');

  async function finish(upid: string): Promise<string | undefined> {
    clock.advance(30_000);
    const st = await pve().tasks.$(upid).status.$get();
    assert.equal(st.status, 'stopped', `task ${upid} did not end`);
    return st.exitstatus;
  }

  before(async () => {
    s = await startSim({ clock });
  });
  after(() => s.close());

  // pve-access-control PVE/RPCEnvironment.pm check_pool_exist: raise_perm_exc -> 403.
  test('creating a CT in a missing pool is a 403 and creates nothing', async () => {
    // proxmox-api words a 403 differently, so pveError cannot parse it.
    await assert.rejects(
      pve().lxc.$post({ vmid: 150, ostemplate: DEBIAN, storage: 'local-lvm', pool: 'nope' }),
      /failed with 403 Permission check failed \(pool 'nope' does not exist\)/,
    );
    assert.equal(s.sim.state.nodes.pve?.lxc['150'], undefined);
  });

  // pve-manager PVE/API2/Pool.pm create_pool / index / update_pool / delete_pool;
  // pve-container PVE/API2/LXC.pm create_vm add_vm_to_pool, destroy_vm remove_vm_access.
  test('pool lifecycle: create, member by CT create, list, refuse delete, destroy frees', async () => {
    await s.api.pools.$post({ poolid: 'web', comment: 'front' });
    const dup = await pveError(s.api.pools.$post({ poolid: 'web' }));
    assert.equal(dup.status, 500);
    assert.equal(dup.message, "create pool failed: pool 'web' already exists\n");
    const digit = await pveError(s.api.pools.$post({ poolid: '1abc' }));
    assert.equal(digit.message, 'create pool failed: pool name must start with a letter\n');
    const orphan = await pveError(s.api.pools.$post({ poolid: 'x/y' }));
    assert.equal(orphan.message, "create pool failed: parent 'x' of pool 'x/y' does not exist\n");

    const upid = await pve().lxc.$post({
      vmid: 151,
      ostemplate: DEBIAN,
      storage: 'local-lvm',
      pool: 'web',
    });
    await finish(upid);
    assert.deepEqual(await s.api.pools.$get(), [{ poolid: 'web', comment: 'front' }]);
    assert.deepEqual(await s.api.pools.$get({ poolid: 'web' }), [
      {
        poolid: 'web',
        comment: 'front',
        members: [{ id: 'lxc/151', type: 'lxc', vmid: 151, node: 'pve' }],
      },
    ]);
    const typeAlone = await pveError(s.api.pools.$get({ type: 'lxc' }));
    assert.deepEqual(typeAlone.errors, { poolid: "missing property required by 'type'" });

    const again = await pveError(s.api.pools.$put({ poolid: 'web', vms: '151' }));
    assert.equal(again.message, 'update pools failed: VM 151 is already a pool member\n');
    await s.api.pools.$put({ poolid: 'web', storage: 'local' });
    const busy = await pveError(s.api.pools.$delete({ poolid: 'web' }));
    assert.equal(busy.message, "delete pool failed: pool 'web' is not empty (contains VM 151)\n");

    await finish(await pve().lxc.$(151).$delete());
    await s.api.pools.$put({ poolid: 'web', storage: 'local', delete: true });
    await s.api.pools.$delete({ poolid: 'web' });
    assert.deepEqual(await s.api.pools.$get(), []);
  });

  // pve-access-control PVE/AccessControl.pm verify_poolname.
  test('pve-poolid: illegal characters and nesting deeper than 3 levels', async () => {
    const bad = await pveError(s.api.pools.$post({ poolid: 'a b' }));
    assert.deepEqual(bad.errors, {
      poolid: "invalid format - pool name 'a b' contains invalid characters\n",
    });
    const deep = await pveError(s.api.pools.$post({ poolid: 'a/b/c/d' }));
    assert.deepEqual(deep.errors, {
      poolid: "invalid format - pool name 'a/b/c/d' nested too deeply (max levels = 3)\n",
    });
  });

  // pve-common PVE/JSONSchema.pm pve_verify_startup_order; pve-container PVE/LXC/Config.pm
  // verify_ct_timezone (-> pve_verify_timezone, zone.tab) and verify_ip_with_ll_iface.
  test('container config formats: startup, timezone, nameserver', async () => {
    await finish(await pve().lxc.$post({ vmid: 152, ostemplate: DEBIAN, storage: 'local-lvm' }));
    const cfg = pve().lxc.$(152).config;
    await cfg.$put({
      startup: 'order=2,up=30,down=10',
      timezone: 'Europe/Kyiv',
      nameserver: '10.0.0.1 fe80::1%eth0',
    });
    await cfg.$put({ timezone: 'host' });
    await cfg.$put({ timezone: 'UTC' });
    const bad = await pveError(
      cfg.$put({ startup: 'order=x', timezone: 'Mars/Olympus', nameserver: '10.0.0.1,nope' }),
    );
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.errors, {
      startup: 'invalid format - unable to parse startup options\n',
      timezone: "invalid format - invalid time zone 'Mars/Olympus'\n",
      nameserver: 'invalid format - value does not look like a valid IP address\n',
    });
    // Perl-false: `return undef if !$value` in pve_parse_startup_order.
    const zero = await pveError(cfg.$put({ startup: '0' }));
    assert.deepEqual(zero.errors, {
      startup: 'invalid format - unable to parse startup options\n',
    });
    const llBadIface = await pveError(cfg.$put({ nameserver: 'fe80::1%e' }));
    assert.deepEqual(llBadIface.errors, {
      nameserver: 'invalid format - value does not look like a valid IP address\n',
    });
  });

  // pve-storage PVE/Storage/Plugin.pm verify_content; pve-access-control verify_privname.
  test('pve-storage-content and pve-priv', async () => {
    const content = await pveError(pve().storage.$get({ content: 'rootdir,disks' }));
    assert.deepEqual(content.errors, {
      content: "invalid format - invalid content type 'disks'\n",
    });
    const one = await pveError(pve().storage.$('local').content.$get({ content: 'vm' }));
    assert.deepEqual(one.errors, { content: "invalid format - invalid content type 'vm'\n" });
    assert.ok(Array.isArray(await pve().storage.$get({ content: 'import' })));
  });

  // pve-firewall PVE/Firewall.pm log_ratelimit: an inline property-string format.
  test('log_ratelimit is parsed as the firewall parses it', async () => {
    await s.api.cluster.firewall.options.$put({ log_ratelimit: 'enable=1,rate=10/minute,burst=3' });
    const bad = await pveError(
      s.api.cluster.firewall.options.$put({ log_ratelimit: '1,rate=0/second' }),
    );
    assert.deepEqual(bad.errors, {
      log_ratelimit: 'invalid format - rate: value does not match the regex pattern\n',
    });
  });
});
