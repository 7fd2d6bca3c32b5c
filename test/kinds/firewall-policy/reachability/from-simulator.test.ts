/**
 * The input type matches what the API returns: rules are set through the simulated API over HTTP
 * with the real client, the world is filled from GET responses only, and one verdict is checked.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/core/clock.js';
import {
  reachability,
  renderMatrix,
  worldFromApi,
  type ApiIpSetLike,
  type ApiRuleLike,
  type ApiWorldLike,
  type FirewallWorld,
} from '../../../../src/kinds/firewall-policy/reachability/index.js';
import { startSim, type StartedSim } from '../../../helpers/sim.js';
import { decided, result } from './world-builder.js';

const TEMPLATE = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

/** Reads as a reader would (raw items, raw `netN` strings) and converts with `worldFromApi`. */
async function readWorld(s: StartedSim, node: string): Promise<FirewallWorld> {
  const fw = s.api.cluster.firewall;
  const groups: ApiWorldLike['cluster']['groups'] = [];
  for (const g of (await fw.groups.$get()) as { group: string }[]) {
    groups.push({ group: g.group, rules: (await fw.groups.$(g.group).$get()) as ApiRuleLike[] });
  }
  const ipsets: ApiIpSetLike[] = [];
  for (const set of (await fw.ipset.$get()) as { name: string }[]) {
    ipsets.push({ name: set.name, entries: await fw.ipset.$(set.name).$get() });
  }
  const guests: ApiWorldLike['guests'] = {};
  for (const ct of await s.api.nodes.$(node).lxc.$get()) {
    const vmid = Number(ct.vmid);
    const api = s.api.nodes.$(node).lxc.$(vmid);
    const config = (await api.config.$get()) as Record<string, unknown>;
    const gIpsets: ApiIpSetLike[] = [];
    for (const set of (await api.firewall.ipset.$get()) as { name: string }[]) {
      gIpsets.push({ name: set.name, entries: await api.firewall.ipset.$(set.name).$get() });
    }
    const nics = Object.fromEntries(
      Object.entries(config).filter((e): e is [string, string] => /^net\d+$/.test(e[0])),
    );
    guests[String(vmid)] = {
      vmid,
      node,
      options: await api.firewall.options.$get(),
      rules: (await api.firewall.rules.$get()) as ApiRuleLike[],
      ipsets: gIpsets,
      aliases: await api.firewall.aliases.$get(),
      nics,
    };
  }
  const network = await s.api.nodes.$(node).network.$get({ type: 'any_bridge' });
  return worldFromApi({
    cluster: {
      options: await fw.options.$get(),
      groups,
      ipsets,
      aliases: await fw.aliases.$get(),
    },
    guests,
    bridges: network.map((n) => ({ name: n.iface, ...(n.cidr ? { cidr: n.cidr } : {}) })),
  });
}

describe('reachability from the simulator over HTTP', () => {
  const clock = new ManualClock();
  let s: StartedSim;

  before(async () => {
    s = await startSim({ clock });
    const lxc = s.api.nodes.$('pve').lxc;
    for (const [vmid, ip] of [
      [100, '192.168.100.50/24'],
      [101, '192.168.100.51/24'],
    ] as const) {
      const upid = await lxc.$post({
        vmid,
        hostname: `ct${vmid}`,
        ostemplate: TEMPLATE,
        storage: 'local-lvm',
        net0: `name=eth0,bridge=vmbr0,ip=${ip},gw=192.168.100.1,firewall=1`,
      });
      clock.advance(60_000);
      const st = await s.api.nodes.$('pve').tasks.$(upid).status.$get();
      assert.match(String(st.exitstatus), /^(OK|WARNINGS: \d+)$/, `create CT ${vmid}`);
    }
    const fw = s.api.cluster.firewall;
    await fw.options.$put({ enable: 1 });
    await fw.ipset.$post({ name: 'admins' });
    await fw.ipset.$('admins').$post({ cidr: '192.168.100.0/24' });
    await fw.ipset.$('admins').$post({ cidr: '192.168.100.51', nomatch: true });
    const ct100 = lxc.$(100).firewall;
    await ct100.options.$put({ enable: true });
    // Inserted at 0 each time: the final order is SSH-from-admins, then the DROP of all tcp.
    await ct100.rules.$post({ type: 'in', action: 'DROP', proto: 'tcp', enable: 1 });
    await ct100.rules.$post({
      type: 'in',
      action: 'ACCEPT',
      macro: 'SSH',
      source: '+admins',
      comment: 'admins only',
      enable: 1,
    });
  });
  after(() => s.close());

  test('ct 101 is excluded from +admins (nomatch), so its SSH to ct 100 meets the tcp DROP', async () => {
    const world = await readWorld(s, 'pve');
    const m = reachability(world);
    const r = result(m, 'guest:101/net0', 'guest:100/net0', 'tcp/22');
    assert.equal(r.verdict, 'deny', renderMatrix(m));
    assert.deepEqual(decided(r), {
      chain: 'in',
      vmid: 100,
      nic: 'net0',
      by: 'rule',
      action: 'DROP',
      rule: { level: 'guest', vmid: 100, pos: 1, action: 'DROP' },
    });
    const fromBridge = result(m, 'bridge:vmbr0', 'guest:100/net0', 'tcp/22');
    assert.equal(fromBridge.verdict, 'mixed');
    assert.deepEqual(JSON.parse(JSON.stringify(m)), m, 'the matrix is plain JSON');
  });
});
