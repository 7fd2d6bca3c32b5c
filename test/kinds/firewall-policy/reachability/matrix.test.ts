/**
 * The matrix as a whole: which probes a cell gets, ranges split where rules differ, skipped rules
 * noted, destinations narrowed to a policy's guests, the text table and the JSON form.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  guestNics,
  reachability,
  renderMatrix,
  worldFromApi,
} from '../../../../src/kinds/firewall-policy/reachability/index.js';
import { baseWorld, byVmid, result, rules } from './world-builder.js';

function world() {
  const w = baseWorld();
  w.cluster.ipsets = { clients: [{ cidr: '10.1.0.0/24' }, { cidr: '10.1.0.20', nomatch: 1 }] };
  w.cluster.groups = { base: rules({ type: 'in', action: 'ACCEPT', macro: 'Ping' }) };
  byVmid(w, 100).rules = rules(
    { type: 'group', action: 'base' },
    { type: 'in', action: 'ACCEPT', proto: 'tcp', dport: '6800:7300', source: '+clients' },
    { type: 'in', action: 'ACCEPT', macro: 'SSH', source: '+nosuch' },
    { type: 'in', action: 'DROP', proto: 'tcp', dport: '7000', comment: 'no 7000' },
  );
  byVmid(w, 200).options = {};
  return w;
}

describe('reachability: the matrix', () => {
  test('probes: one per port class the rules cut, the unnamed ports, ICMP types, other protocols', () => {
    const m = reachability(world());
    const cell = m.cells.find((c) => c.from === 'bridge:vmbr1' && c.to === 'guest:100/net0');
    assert.deepEqual(
      cell?.results.map((r) => r.probe.label),
      [
        'icmp/echo-request',
        'icmp/other',
        'tcp/6800:6999',
        'tcp/7000',
        'tcp/7001:7300',
        'tcp/other',
        'other',
      ],
    );
  });

  test('a source range split by an IP set nomatch entry shows each part and what decided it', () => {
    const r = result(reachability(world()), 'bridge:vmbr1', 'guest:100/net0', 'tcp/7000');
    assert.equal(r.verdict, 'mixed');
    assert.deepEqual(
      r.parts?.map((p) => [p.from, p.verdict, p.steps.at(-1)?.by]),
      [
        [['10.1.0.0-10.1.0.19', '10.1.0.21-10.1.0.255'], 'allow', 'rule'],
        [['10.1.0.20'], 'deny', 'rule'],
      ],
    );
  });

  test('the IP set row holds only its members, so it is not split', () => {
    const r = result(reachability(world()), 'ipset:clients', 'guest:100/net0', 'tcp/7000');
    assert.equal(r.verdict, 'allow');
  });

  test('a rule naming a missing IP set is skipped and noted, as pve-firewall warns', () => {
    const m = reachability(world());
    assert.deepEqual(m.notes, ["CT/VM 100: rule 2: no such ipset 'nosuch', skipped"]);
    const cell = m.cells.find((c) => c.from === 'bridge:vmbr1' && c.to === 'guest:100/net0');
    assert.ok(!cell?.results.some((r) => r.probe.label === 'tcp/22'), 'the SSH rule is gone');
    assert.equal(result(m, 'bridge:vmbr1', 'guest:100/net0', 'tcp/other').verdict, 'deny');
  });

  test('rows: bridges, guest NICs, cluster IP sets and aliases, any other address', () => {
    const w = world();
    w.cluster.aliases = [{ name: 'gw', cidr: '10.1.0.1' }];
    const m = reachability(w, { vmids: [100] });
    assert.deepEqual(
      m.sources.map((s) => s.id),
      [
        'bridge:vmbr0',
        'bridge:vmbr1',
        'guest:100/net0',
        'guest:200/net0',
        'ipset:clients',
        'alias:gw',
        'other',
      ],
    );
    assert.deepEqual(
      m.destinations.map((d) => d.id),
      ['guest:100/net0'],
    );
    assert.ok(!m.cells.some((c) => c.from === c.to), 'no cell from a NIC to itself');
  });

  test('the text table names the deciding rule, the group and the unfiltered guest', () => {
    const text = renderMatrix(reachability(world()));
    assert.match(
      text,
      /ct 200 \(client\) net0 \(10\.1\.0\.20\) on vmbr1 \(node pve\): NOT FILTERED: guest firewall option off/,
    );
    assert.match(
      text,
      /icmp\/echo-request +allow +in 100\/net0: rule #0 > group base #0 ACCEPT Ping/,
    );
    assert.match(text, /from 10\.1\.0\.20 +deny +in 100\/net0: rule #3 DROP "no 7000"/);
    assert.match(text, /vmbr1 subnet +ct 200 \(client\) net0 \(10\.1\.0\.20\) +any +allow/);
    assert.match(text, /no such ipset 'nosuch'/);
  });

  test('the matrix survives JSON unchanged', () => {
    const m = reachability(world());
    assert.deepEqual(JSON.parse(JSON.stringify(m)), m);
  });

  test('NICs from a config: netN property strings, a VM address from ipconfigN', () => {
    assert.deepEqual(
      guestNics('lxc', {
        net1: 'name=eth1,bridge=vmbr1,hwaddr=BC:24:11:00:00:01,ip=dhcp,type=veth',
        net0: 'name=eth0,bridge=vmbr0,firewall=1,hwaddr=BC:24:11:00:00:00,ip=10.0.0.5/24,type=veth',
        hostname: 'x',
      }),
      [
        { name: 'net0', bridge: 'vmbr0', firewall: true, ip: '10.0.0.5/24' },
        { name: 'net1', bridge: 'vmbr1', firewall: false, ip: 'dhcp' },
      ],
    );
    assert.deepEqual(
      guestNics('qemu', {
        net0: 'virtio=BC:24:11:00:00:02,bridge=vmbr0,firewall=1',
        ipconfig0: 'ip=10.0.0.9/24,gw=10.0.0.1',
      }),
      [{ name: 'net0', bridge: 'vmbr0', firewall: true, ip: '10.0.0.9/24' }],
    );
  });

  test('a NIC on dhcp: its address is anywhere in its bridge subnet', () => {
    const w = world();
    byVmid(w, 100).nics = [{ name: 'net0', bridge: 'vmbr0', ip: 'dhcp', firewall: true }];
    byVmid(w, 100).rules = rules({ type: 'in', action: 'ACCEPT', dest: '192.168.1.10' });
    const r = result(reachability(w), 'bridge:vmbr1', 'guest:100/net0', 'other');
    assert.equal(r.verdict, 'mixed');
    assert.deepEqual(
      r.parts?.map((p) => [p.to, p.verdict]),
      [
        [['192.168.1.0-192.168.1.9', '192.168.1.11-192.168.1.255'], 'deny'],
        [['192.168.1.10'], 'allow'],
      ],
    );
  });
  test('unusable input is left out and noted; an IPv6 NIC gets no cell with IPv4 rows', () => {
    const w = world();
    w.bridges.push({ name: 'vmbr9', cidr: 'not-a-cidr' });
    byVmid(w, 200).nics = [{ name: 'net0', bridge: 'vmbr1', ip: 'fd00::20/64', firewall: true }];
    const m = reachability(w);
    assert.ok(m.notes.includes("bridge vmbr9: cidr 'not-a-cidr' is not an address, left out"));
    assert.ok(!m.sources.some((s) => s.id === 'bridge:vmbr9'));
    assert.ok(!m.cells.some((c) => c.from === 'bridge:vmbr1' && c.to === 'guest:200/net0'));
    assert.ok(!m.cells.some((c) => c.from === 'guest:100/net0' && c.to === 'guest:200/net0'));
  });
  test('worldFromApi: raw reader items become the input; odd field types are dropped', () => {
    const w = worldFromApi({
      cluster: {
        options: { enable: 1, digest: 'x' },
        groups: [
          {
            group: 'base',
            rules: [{ pos: 0, type: 'in', action: 'ACCEPT', macro: 'SSH', enable: 1, digest: 'd' }],
          },
        ],
        ipsets: [{ name: 'admins', entries: [{ cidr: '10.1.0.0/24' }] }],
        aliases: [],
      },
      guests: {
        '100': {
          vmid: 100,
          node: 'pve',
          options: { enable: 1 },
          rules: [
            { pos: 0, type: 'group', action: 'base', enable: 1, comment: 7, dport: { x: 1 } },
          ],
          nics: { net0: 'name=eth0,bridge=vmbr0,firewall=1,ip=192.168.1.10/24,type=veth' },
        },
      },
      bridges: [{ name: 'vmbr1', cidr: '10.1.0.1/24' }],
    });
    assert.deepEqual(w.guests[0]?.rules, [{ pos: 0, type: 'group', action: 'base', enable: 1 }]);
    assert.deepEqual(w.cluster.groups['base'], [
      { pos: 0, type: 'in', action: 'ACCEPT', macro: 'SSH', enable: 1 },
    ]);
    const r = result(reachability(w), 'ipset:admins', 'guest:100/net0', 'tcp/22');
    assert.equal(r.verdict, 'allow');
  });
  test('IPv6 rules (ipversion 6, icmpv6) are not in the IPv4 chains, so they add no probe', () => {
    const w = world();
    byVmid(w, 100).rules = rules(
      { type: 'in', action: 'ACCEPT', source: 'fd00::/64', ipversion: 6, proto: 'udp' },
      { type: 'in', action: 'ACCEPT', proto: 'icmpv6' },
    );
    const cell = reachability(w).cells.find(
      (c) => c.from === 'bridge:vmbr1' && c.to === 'guest:100/net0',
    );
    assert.deepEqual(
      cell?.results.map((r) => r.probe.label),
      ['other'],
    );
  });
  test('an IP set row with overlapping entries is cut once', () => {
    const w = world();
    w.cluster.ipsets = { wide: [{ cidr: '10.0.0.0/8' }, { cidr: '10.1.0.0/16' }] };
    byVmid(w, 100).rules = rules({ type: 'in', action: 'ACCEPT', source: '10.1.0.0/16' });
    const r = result(reachability(w), 'ipset:wide', 'guest:100/net0', 'other');
    assert.deepEqual(
      r.parts?.map((p) => [p.from, p.verdict]),
      [
        [['10.0.0.0/16', '10.2.0.0-10.255.255.255'], 'deny'],
        [['10.1.0.0/16'], 'allow'],
      ],
    );
  });
});
