/**
 * A small two-network world for the hand-worked cases: management bridge vmbr0 (192.168.1.0/24)
 * with ct 100 "mgmt" at 192.168.1.10, client bridge vmbr1 (10.1.0.0/24) with ct 200 "client" at
 * 10.1.0.20. Cluster firewall on, both guests' firewall option on, both NICs firewall=1, no rules.
 */
import assert from 'node:assert/strict';
import type {
  FirewallGuest,
  FirewallWorld,
  PveFwRule,
  ProbeResult,
  ReachabilityMatrix,
  Step,
} from '../../../../src/kinds/firewall-policy/reachability/index.js';

export function guest(vmid: number, name: string, bridge: string, ip: string): FirewallGuest {
  return {
    vmid,
    name,
    node: 'pve',
    type: 'lxc',
    options: { enable: 1 },
    rules: [],
    nics: [{ name: 'net0', bridge, ip, firewall: true }],
  };
}

export function baseWorld(): FirewallWorld {
  return {
    cluster: { options: { enable: 1 }, groups: {}, ipsets: {}, aliases: [] },
    guests: [
      guest(100, 'mgmt', 'vmbr0', '192.168.1.10/24'),
      guest(200, 'client', 'vmbr1', '10.1.0.20/24'),
    ],
    bridges: [
      { name: 'vmbr0', cidr: '192.168.1.1/24' },
      { name: 'vmbr1', cidr: '10.1.0.1/24' },
    ],
  };
}

/** Rules as GET …/rules returns them: `pos` from the order given, enabled unless said. */
export function rules(...list: Omit<PveFwRule, 'pos'>[]): PveFwRule[] {
  return list.map((r, pos) => ({ enable: 1, ...r, pos }));
}

export function byVmid(world: FirewallWorld, vmid: number): FirewallGuest {
  const g = world.guests.find((x) => x.vmid === vmid);
  assert.ok(g, `guest ${vmid} in the world`);
  return g;
}

/** The result for one probe of one cell, e.g. `result(m, 'bridge:vmbr1', 'guest:100/net0', 'tcp/22')`. */
export function result(
  m: ReachabilityMatrix,
  from: string,
  to: string,
  probe: string,
): ProbeResult {
  const cell = m.cells.find((c) => c.from === from && c.to === to);
  assert.ok(cell, `a cell ${from} -> ${to}`);
  const r = cell.results.find((x) => x.probe.label === probe);
  assert.ok(
    r,
    `probe ${probe} in ${from} -> ${to}; have ${cell.results.map((x) => x.probe.label).join(' ')}`,
  );
  return r;
}

/** The deciding (last) step of a non-mixed result. */
export function decided(r: ProbeResult): Step {
  assert.notEqual(r.verdict, 'mixed', `not mixed: ${JSON.stringify(r.parts)}`);
  const last = r.steps?.at(-1);
  assert.ok(last, 'a deciding step');
  return last;
}
