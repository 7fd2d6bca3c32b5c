import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { seedClusterFirewall } from '../../src/sim/firewall/seed.js';
import { pveError, startSim, type PveFailure as Failure, type StartedSim } from '../helpers/sim.js';

const STALE = 'detected modified configuration - file changed by other user? Try again.\n';

function paramFailure(errors: Record<string, string>): Failure {
  return {
    status: 400,
    reason: 'Parameter verification failed.',
    message: 'Parameter verification failed.\n',
    errors,
  };
}

function dieFailure(message: string): Failure {
  return { status: 500, reason: message, message: `${message}\n` };
}

type Item = Record<string, unknown>;

describe('simulated firewall over HTTP with the proxmox-api client', () => {
  const clock = new ManualClock();
  let s: StartedSim;
  const fw = () => s.api.cluster.firewall;

  before(async () => {
    s = await startSim({ clock });
  });
  after(() => s.close());
  beforeEach(() => {
    s.sim.state.firewall = seedClusterFirewall();
  });

  async function raw(method: string, path: string): Promise<{ status: number; body: Item }> {
    const res = await fetch(`${s.url}/api2/json${path}`, {
      method,
      headers: { Authorization: s.authHeader },
    });
    return { status: res.status, body: (await res.json()) as Item };
  }

  test('the rule dance: POST inserts at 0, one digest on every item, moveto, stale digest, delete', async () => {
    await fw().rules.$post({ type: 'in', action: 'ACCEPT', macro: 'ssh', comment: 'first' });
    await fw().rules.$post({ type: 'in', action: 'ACCEPT', proto: 'tcp', dport: '443', enable: 1 });
    await fw().rules.$post({ type: 'out', action: 'DROP', dest: '10.0.0.0/8' });

    const list = (await fw().rules.$get()) as Item[];
    assert.deepEqual(
      list.map((r) => [r.pos, r.type, r.action, r.enable]),
      [
        [0, 'out', 'DROP', 0],
        [1, 'in', 'ACCEPT', 1],
        [2, 'in', 'ACCEPT', 0],
      ],
    );
    const digest = list[0]?.digest;
    assert.match(String(digest), /^[0-9a-f]{40}$/);
    assert.ok(list.every((r) => r.digest === digest));
    assert.deepEqual(list[0], {
      pos: 0,
      type: 'out',
      action: 'DROP',
      enable: 0,
      dest: '10.0.0.0/8',
      ipversion: 4,
      digest,
    });
    assert.equal(list[2]?.macro, 'SSH');

    const one = (await fw().rules.$('2').$get()) as Item;
    assert.deepEqual(one, { ...list[2], pos: 2 });

    // moveto=0 puts the last rule first; other arguments are ignored.
    await fw()
      .rules.$('2')
      .$put({ moveto: 0, digest: String(digest), comment: 'ignored' });
    const moved = (await fw().rules.$get()) as Item[];
    assert.deepEqual(
      moved.map((r) => r.comment ?? null),
      ['first', null, null],
    );
    assert.notEqual(moved[0]?.digest, digest);

    assert.deepEqual(
      await pveError(
        fw()
          .rules.$('0')
          .$put({ enable: 1, digest: String(digest) }),
      ),
      dieFailure(STALE.trimEnd()),
    );

    const fresh = String(moved[0]?.digest);
    await fw().rules.$('0').$put({ enable: 1, delete: 'comment', digest: fresh });
    const updated = (await fw().rules.$('0').$get()) as Item;
    assert.equal(updated.enable, 1);
    assert.equal('comment' in updated, false);

    assert.deepEqual(
      await pveError(fw().rules.$('0').$delete({ digest: fresh })),
      dieFailure(STALE.trimEnd()),
    );
    await fw()
      .rules.$('0')
      .$delete({ digest: String(updated.digest) });
    assert.equal(((await fw().rules.$get()) as Item[]).length, 2);
    assert.deepEqual(await pveError(fw().rules.$('5').$get()), dieFailure('no rule at position 5'));
  });

  test('rule verification errors are 400 per field with Proxmox texts', async () => {
    assert.deepEqual(
      await pveError(fw().rules.$post({ type: 'in', action: 'ALLOW' })),
      paramFailure({ action: "unknown action 'ALLOW'" }),
    );
    assert.deepEqual(
      await pveError(fw().rules.$post({ type: 'in', action: 'ACCEPT', macro: 'NoSuch' })),
      paramFailure({ macro: "unknown macro 'NoSuch'" }),
    );
    assert.deepEqual(
      await pveError(fw().rules.$post({ type: 'in', action: 'ACCEPT', source: '+blocked' })),
      paramFailure({ source: "no such ipset 'blocked'" }),
    );
    assert.deepEqual(
      await pveError(fw().rules.$post({ type: 'in', action: 'ACCEPT', dest: 'office' })),
      paramFailure({ dest: "no such alias 'office'" }),
    );
    assert.deepEqual(
      await pveError(
        fw().rules.$post({ type: 'in', action: 'ACCEPT', source: '10.0.0.1', dest: 'fd00::1' }),
      ),
      paramFailure({ dest: 'detected mixed ipv4/ipv6 addresses in rule' }),
    );
    assert.deepEqual(
      await pveError(
        fw().rules.$post({ type: 'in', action: 'ACCEPT', dport: '70000', proto: 'tcp' }),
      ),
      paramFailure({ dport: "invalid format - invalid port '70000'\n" }),
    );
    assert.deepEqual(await fw().rules.$get(), []);
  });

  test('security groups: create, duplicate, rules inside, not-empty delete, rename follows references', async () => {
    await fw().groups.$post({ group: 'webservers', comment: 'web' });
    assert.deepEqual(
      await pveError(fw().groups.$post({ group: 'webservers' })),
      paramFailure({ group: "Security group 'webservers' already exists" }),
    );
    const groups = (await fw().groups.$get()) as Item[];
    assert.deepEqual(groups, [{ group: 'webservers', comment: 'web', digest: groups[0]?.digest }]);

    await fw().groups.$('webservers').$post({ type: 'in', action: 'ACCEPT', macro: 'HTTPS' });
    assert.deepEqual(
      await pveError(
        fw().groups.$('webservers').$post({ type: 'in', action: 'ACCEPT', iface: 'eth0' }),
      ),
      paramFailure({ type: 'parameter -i not allowed for this rule type' }),
    );
    const inGroup = (await fw().groups.$('webservers').$get()) as Item[];
    assert.deepEqual(
      inGroup.map((r) => [r.pos, r.macro]),
      [[0, 'HTTPS']],
    );
    await fw().rules.$post({ type: 'group', action: 'webservers', enable: 1 });

    assert.deepEqual(
      await pveError(fw().groups.$('webservers').$delete()),
      dieFailure("Security group 'webservers' is not empty"),
    );
    assert.deepEqual(
      await pveError(fw().groups.$('nosuch').$get()),
      dieFailure("no such security group 'nosuch'"),
    );

    await fw().groups.$post({ group: 'web', rename: 'webservers' });
    assert.deepEqual(
      ((await fw().groups.$get()) as Item[]).map((g) => [g.group, g.comment]),
      [['web', 'web']],
    );
    assert.equal(((await fw().rules.$get()) as Item[])[0]?.action, 'web');

    const rule = ((await fw().groups.$('web').$get()) as Item[])[0];
    await fw()
      .groups.$('web')
      .$('0')
      .$delete({ digest: String(rule?.digest) });
    await fw().groups.$('web').$delete();
    assert.deepEqual(await fw().groups.$get(), []);
  });

  test('IP sets: normalised entries, raw and escaped cidr paths, duplicates, not-empty delete', async () => {
    await fw().ipset.$post({ name: 'trusted', comment: 'ops' });
    assert.deepEqual(
      await pveError(fw().ipset.$post({ name: 'trusted' })),
      paramFailure({ name: "IPSet 'trusted' already exists" }),
    );
    await fw().ipset.$('trusted').$post({ cidr: '10.0.0.5/24', comment: 'lan' });
    await fw().ipset.$('trusted').$post({ cidr: '192.168.1.7/32', nomatch: true });
    assert.deepEqual(
      await pveError(fw().ipset.$('trusted').$post({ cidr: '10.0.0.0/24' })),
      paramFailure({ cidr: "address '10.0.0.0/24' already exists" }),
    );

    const entries = (await fw().ipset.$('trusted').$get()) as Item[];
    const digest = entries[0]?.digest;
    // Sorted by CIDR text: pve-firewall PVE/Firewall.pm $format_ipsets writes them so.
    assert.deepEqual(entries, [
      { cidr: '10.0.0.0/24', comment: 'lan', digest },
      { cidr: '192.168.1.7', nomatch: 1, digest },
    ]);

    // The client escapes '/' as %2F; pveproxy also routes a raw '/'.
    const viaClient = (await fw().ipset.$('trusted').$('10.0.0.0/24').$get()) as Item;
    assert.equal(viaClient.comment, 'lan');
    const viaRaw = await raw('GET', '/cluster/firewall/ipset/trusted/10.0.0.0/24');
    assert.equal(viaRaw.status, 200);
    assert.deepEqual(viaRaw.body.data, viaClient);

    assert.deepEqual(
      await pveError(fw().ipset.$('trusted').$delete()),
      dieFailure("IPSet 'trusted' is not empty"),
    );
    await fw().rules.$post({ type: 'in', action: 'ACCEPT', source: '+trusted' });

    await fw()
      .ipset.$('trusted')
      .$('10.0.0.0/24')
      .$delete({ digest: String(digest) });
    assert.deepEqual(
      ((await fw().ipset.$('trusted').$get()) as Item[]).map((e) => e.cidr),
      ['192.168.1.7'],
    );
    await fw().ipset.$('trusted').$delete({ force: true });
    assert.deepEqual(await fw().ipset.$get(), []);
    assert.deepEqual(
      await pveError(fw().ipset.$('trusted').$get()),
      dieFailure("no such IPSet 'trusted'"),
    );
  });

  test('aliases: case-insensitive names, rename, read-back with ipversion, missing alias', async () => {
    await fw().aliases.$post({ name: 'Office', cidr: '10.1.0.0/16', comment: 'hq' });
    assert.deepEqual(
      await pveError(fw().aliases.$post({ name: 'office', cidr: '10.2.0.0/16' })),
      paramFailure({ name: "alias 'office' already exists" }),
    );
    assert.deepEqual(await fw().aliases.$('OFFICE').$get(), {
      name: 'Office',
      cidr: '10.1.0.0/16',
      comment: 'hq',
      ipversion: 4,
    });
    await fw().rules.$post({ type: 'in', action: 'ACCEPT', source: 'office' });
    // IPorCIDR takes host bits and short prefixes; the alias keeps the text as given.
    await fw().aliases.$post({ name: 'wide', cidr: '10.0.0.5/4' });
    assert.equal(((await fw().aliases.$('wide').$get()) as Item).cidr, '10.0.0.5/4');
    await fw().aliases.$('wide').$delete({});
    assert.equal(((await fw().rules.$get()) as Item[])[0]?.ipversion, 4);

    const list = (await fw().aliases.$get()) as Item[];
    await fw()
      .aliases.$('office')
      .$put({
        cidr: '10.9.9.9/32',
        rename: 'branch',
        digest: String(list[0]?.digest),
      });
    assert.deepEqual(
      ((await fw().aliases.$get()) as Item[]).map((a) => [a.name, a.cidr, a.comment ?? null]),
      [['branch', '10.9.9.9', null]],
    );
    assert.deepEqual(
      await pveError(fw().aliases.$('office').$get()),
      paramFailure({ name: 'no such alias' }),
    );
  });

  test('options answer only what was set, plus the digest; PUT is digest-checked', async () => {
    const empty = (await fw().options.$get()) as Item;
    assert.deepEqual(Object.keys(empty), ['digest']);
    await fw().options.$put({ enable: 1, policy_in: 'DROP' });
    const set = (await fw().options.$get()) as Item;
    assert.deepEqual(set, { enable: 1, policy_in: 'DROP', digest: set.digest });
    assert.deepEqual(
      await pveError(fw().options.$put({ policy_out: 'REJECT', digest: String(empty.digest) })),
      dieFailure(STALE.trimEnd()),
    );
    assert.deepEqual(
      await pveError(fw().options.$put({ delete: 'bogus' })),
      paramFailure({ delete: "no such option 'bogus'" }),
    );
    await fw().options.$put({ delete: 'policy_in' });
    assert.deepEqual(Object.keys((await fw().options.$get()) as Item), ['enable', 'digest']);
  });

  test('an anti-lockout enable timestamp reads back as 0 after 60 seconds', async () => {
    await fw().options.$put({ enable: 2 });
    const now = Math.floor(clock.now() / 1000);
    assert.equal(((await fw().options.$get()) as Item).enable, now);
    clock.advance(61_000);
    assert.equal(((await fw().options.$get()) as Item).enable, 0);
  });

  test('node rules and options live per node', async () => {
    const node = s.api.nodes.$('pve').firewall;
    await node.rules.$post({
      type: 'in',
      action: 'ACCEPT',
      macro: 'SSH',
      iface: 'vmbr0',
      enable: 1,
    });
    const rules = (await node.rules.$get()) as Item[];
    assert.deepEqual(
      rules.map((r) => [r.pos, r.macro, r.iface]),
      [[0, 'SSH', 'vmbr0']],
    );
    await node.options.$put({ enable: false, nf_conntrack_max: 65536 });
    const opts = (await node.options.$get()) as Item;
    assert.deepEqual(opts, { enable: 0, nf_conntrack_max: 65536, digest: opts.digest });
    await node.rules.$('0').$delete({});
    assert.deepEqual(await node.rules.$get(), []);
  });

  describe('container firewall', () => {
    const ct = () => s.api.nodes.$('pve').lxc.$(100).firewall;

    before(async () => {
      const upid = await s.api.nodes.$('pve').lxc.$post({
        vmid: 100,
        ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
        storage: 'local-lvm',
        net0: 'bridge=vmbr0,name=eth0,ip=dhcp,firewall=1',
      });
      clock.advance(60_000);
      const st = await s.api.nodes.$('pve').tasks.$(upid).status.$get();
      // A Debian template ends with the benign systemd nesting warning on PVE 9.
      assert.match(String(st.exitstatus), /^(OK|WARNINGS: \d+)$/);
    });

    test('a missing container answers like every CT endpoint', async () => {
      assert.deepEqual(
        await pveError(s.api.nodes.$('pve').lxc.$(999).firewall.rules.$get()),
        dieFailure("Configuration file 'nodes/pve/lxc/999.conf' does not exist"),
      );
      assert.deepEqual(
        await pveError(s.api.nodes.$('pve').lxc.$(999).firewall.options.$put({ enable: true })),
        dieFailure("Configuration file 'nodes/pve/lxc/999.conf' does not exist"),
      );
    });

    test('guest rules take netN interfaces, guest IP sets and aliases, and security groups', async () => {
      assert.deepEqual(
        await pveError(ct().rules.$post({ type: 'in', action: 'ACCEPT', iface: 'eth0' })),
        paramFailure({ iface: "value does not match the regex pattern 'net\\d+'" }),
      );
      await ct().ipset.$post({ name: 'clients' });
      await ct().ipset.$('clients').$post({ cidr: '10.10.0.0/24' });
      await ct().aliases.$post({ name: 'gw', cidr: '10.10.0.1' });
      await fw().groups.$post({ group: 'base' });
      await ct().rules.$post({
        type: 'in',
        action: 'ACCEPT',
        iface: 'net0',
        source: '+clients',
        dest: 'gw',
        macro: 'DNS',
      });
      await ct().rules.$post({ type: 'group', action: 'base', enable: 1 });
      const rules = (await ct().rules.$get()) as Item[];
      assert.deepEqual(
        rules.map((r) => [r.pos, r.type, r.action, r.iface ?? null, r.ipversion ?? null]),
        [
          [0, 'group', 'base', null, null],
          [1, 'in', 'ACCEPT', 'net0', 4],
        ],
      );
      assert.deepEqual(
        ((await ct().ipset.$('clients').$get()) as Item[]).map((e) => e.cidr),
        ['10.10.0.0/24'],
      );
      assert.deepEqual(
        ((await ct().aliases.$get()) as Item[]).map((a) => [a.name, a.cidr, a.ipversion]),
        [['gw', '10.10.0.1', 4]],
      );
      // The guest's sets are its own: the cluster has none.
      assert.deepEqual(await fw().ipset.$get(), []);
      assert.deepEqual(await ct().refs.$get({ type: 'ipset' }), [
        { type: 'ipset', name: 'clients', ref: '+clients', scope: 'guest' },
      ]);
      assert.deepEqual(
        ((await ct().refs.$get()) as Item[]).map((r) => `${String(r.scope)}:${String(r.ref)}`),
        ['guest:+clients', 'guest:gw'],
      );
    });

    test('guest options store booleans as 0/1 and answer only what was set', async () => {
      assert.deepEqual(Object.keys((await ct().options.$get()) as Item), ['digest']);
      await ct().options.$put({ enable: true, policy_in: 'DROP', macfilter: false });
      const opts = (await ct().options.$get()) as Item;
      assert.deepEqual(opts, { enable: 1, macfilter: 0, policy_in: 'DROP', digest: opts.digest });
    });
  });
});

describe('simulated firewall permissions', () => {
  let s: StartedSim;
  before(async () => {
    s = await startSim({ tokenPrivs: ['Sys.Audit'] });
  });
  after(() => s.close());

  test('Sys.Audit may list rules and options but not change them (Sys.Modify on /)', async () => {
    assert.deepEqual(await s.api.cluster.firewall.rules.$get(), []);
    assert.deepEqual(Object.keys(await s.api.cluster.firewall.options.$get()), ['digest']);
    const res = await fetch(`${s.url}/api2/json/cluster/firewall/rules`, {
      method: 'POST',
      headers: { Authorization: s.authHeader, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'type=in&action=ACCEPT',
    });
    assert.equal(res.status, 403);
    assert.deepEqual(s.sim.state.firewall.rules, []);
  });
});
