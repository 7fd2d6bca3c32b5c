/**
 * Hand-worked cases: for each, the world (two bridges, ct 100 on management, ct 200 on the client
 * bridge, see world-builder.ts), one (source, destination, probe), and the verdict with the step
 * that decided it, worked out from pve-firewall's Firewall.pm by hand.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  reachability,
  type FirewallWorld,
  type Step,
} from '../../../../src/kinds/firewall-policy/reachability/index.js';
import { baseWorld, byVmid, decided, result, rules } from './world-builder.js';

const MGMT = 'guest:100/net0';
const CLIENT = 'guest:200/net0';
const CLIENTS = 'bridge:vmbr1';

interface Case {
  name: string;
  setup(w: FirewallWorld): void;
  from: string;
  to: string;
  probe: string;
  verdict: 'allow' | 'deny';
  step: Step;
}

const into = { chain: 'in', vmid: 100, nic: 'net0' } as const;
const outOf = { chain: 'out', vmid: 200, nic: 'net0' } as const;
const ref = { level: 'guest', vmid: 100 } as const;

const cases: Case[] = [
  {
    name: 'no rules: the guest default policy_in DROP denies',
    setup: () => {},
    from: CLIENTS,
    to: MGMT,
    probe: 'other',
    verdict: 'deny',
    step: { ...into, by: 'policy', policy: 'DROP', set: false },
  },
  {
    name: 'policy_in ACCEPT set on the guest allows',
    setup: (w) => (byVmid(w, 100).options['policy_in'] = 'ACCEPT'),
    from: CLIENTS,
    to: MGMT,
    probe: 'other',
    verdict: 'allow',
    step: { ...into, by: 'policy', policy: 'ACCEPT', set: true },
  },
  {
    name: 'policy_in REJECT denies too',
    setup: (w) => (byVmid(w, 100).options['policy_in'] = 'REJECT'),
    from: CLIENTS,
    to: MGMT,
    probe: 'other',
    verdict: 'deny',
    step: { ...into, by: 'policy', policy: 'REJECT', set: true },
  },
  {
    name: 'macro HTTPS from the client subnet allows tcp/443',
    setup: (w) =>
      (byVmid(w, 100).rules = rules({
        type: 'in',
        action: 'ACCEPT',
        macro: 'HTTPS',
        source: '10.1.0.0/24',
        comment: 'web',
      })),
    from: CLIENTS,
    to: MGMT,
    probe: 'tcp/443',
    verdict: 'allow',
    step: {
      ...into,
      by: 'rule',
      action: 'ACCEPT',
      rule: { ...ref, pos: 0, action: 'ACCEPT', macro: 'HTTPS', comment: 'web' },
    },
  },
  {
    name: 'macro HTTPS does not open another tcp port',
    setup: (w) => (byVmid(w, 100).rules = rules({ type: 'in', action: 'ACCEPT', macro: 'HTTPS' })),
    from: CLIENTS,
    to: MGMT,
    probe: 'tcp/other',
    verdict: 'deny',
    step: { ...into, by: 'policy', policy: 'DROP', set: false },
  },
  {
    name: 'macro SSH from a cluster alias allows the alias',
    setup: (w) => {
      w.cluster.aliases = [{ name: 'Admin', cidr: '192.168.1.5' }];
      byVmid(w, 100).rules = rules({ type: 'in', action: 'ACCEPT', macro: 'ssh', source: 'admin' });
    },
    from: 'alias:Admin',
    to: MGMT,
    probe: 'tcp/22',
    verdict: 'allow',
    step: {
      ...into,
      by: 'rule',
      action: 'ACCEPT',
      rule: { ...ref, pos: 0, action: 'ACCEPT', macro: 'ssh' },
    },
  },
  {
    name: 'macro SSH from the alias does not let the client subnet in',
    setup: (w) => {
      w.cluster.aliases = [{ name: 'admin', cidr: '192.168.1.5' }];
      byVmid(w, 100).rules = rules({ type: 'in', action: 'ACCEPT', macro: 'SSH', source: 'admin' });
    },
    from: CLIENTS,
    to: MGMT,
    probe: 'tcp/22',
    verdict: 'deny',
    step: { ...into, by: 'policy', policy: 'DROP', set: false },
  },
  {
    name: 'first match wins: an earlier DROP beats a later ACCEPT',
    setup: (w) =>
      (byVmid(w, 100).rules = rules(
        { type: 'in', action: 'DROP', proto: 'tcp', dport: '22', source: '10.1.0.0/24' },
        { type: 'in', action: 'ACCEPT', proto: 'tcp', dport: '22' },
      )),
    from: CLIENTS,
    to: MGMT,
    probe: 'tcp/22',
    verdict: 'deny',
    step: { ...into, by: 'rule', action: 'DROP', rule: { ...ref, pos: 0, action: 'DROP' } },
  },
  {
    name: 'first match wins: a source the DROP does not name reaches the ACCEPT',
    setup: (w) => {
      w.cluster.aliases = [{ name: 'admin', cidr: '192.168.1.5' }];
      byVmid(w, 100).rules = rules(
        { type: 'in', action: 'DROP', proto: 'tcp', dport: '22', source: '10.1.0.0/24' },
        { type: 'in', action: 'ACCEPT', proto: 'tcp', dport: '22' },
      );
    },
    from: 'alias:admin',
    to: MGMT,
    probe: 'tcp/22',
    verdict: 'allow',
    step: { ...into, by: 'rule', action: 'ACCEPT', rule: { ...ref, pos: 1, action: 'ACCEPT' } },
  },
  {
    name: 'a disabled rule (enable=0) is skipped',
    setup: (w) =>
      (byVmid(w, 100).rules = rules(
        { type: 'in', action: 'ACCEPT', proto: 'tcp', dport: '22', enable: 0 },
        { type: 'in', action: 'REJECT', proto: 'tcp', dport: '22' },
      )),
    from: CLIENTS,
    to: MGMT,
    probe: 'tcp/22',
    verdict: 'deny',
    step: { ...into, by: 'rule', action: 'REJECT', rule: { ...ref, pos: 1, action: 'REJECT' } },
  },
  {
    name: 'a rule without enable (as POST creates it) is disabled',
    setup: (w) => {
      byVmid(w, 100).rules = [{ pos: 0, type: 'in', action: 'ACCEPT' }];
    },
    from: CLIENTS,
    to: MGMT,
    probe: 'other',
    verdict: 'deny',
    step: { ...into, by: 'policy', policy: 'DROP', set: false },
  },
  {
    name: 'a rule for another iface does not filter this NIC',
    setup: (w) =>
      (byVmid(w, 100).rules = rules({ type: 'in', action: 'ACCEPT', iface: 'net1', proto: 'tcp' })),
    from: CLIENTS,
    to: MGMT,
    probe: 'other',
    verdict: 'deny',
    step: { ...into, by: 'policy', policy: 'DROP', set: false },
  },
  {
    name: 'a security group expands in place: its DROP precedes the guest rule after it',
    setup: (w) => {
      w.cluster.groups = {
        mgmt: rules(
          { type: 'in', action: 'ACCEPT', macro: 'SSH', source: '+admins', comment: 'admins' },
          { type: 'in', action: 'DROP', proto: 'tcp', comment: 'no tcp' },
          { type: 'out', action: 'DROP' },
        ),
      };
      w.cluster.ipsets = { admins: [{ cidr: '192.168.1.0/24' }] };
      byVmid(w, 100).rules = rules(
        { type: 'group', action: 'mgmt' },
        { type: 'in', action: 'ACCEPT', macro: 'HTTP' },
      );
    },
    from: CLIENTS,
    to: MGMT,
    probe: 'tcp/80',
    verdict: 'deny',
    step: {
      ...into,
      by: 'rule',
      action: 'DROP',
      rule: { ...ref, pos: 0, group: 'mgmt', groupPos: 1, action: 'DROP', comment: 'no tcp' },
    },
  },
  {
    name: 'a security group ACCEPT from its IP set',
    setup: (w) => {
      w.cluster.groups = {
        mgmt: rules({ type: 'in', action: 'ACCEPT', macro: 'SSH', source: '+admins' }),
      };
      w.cluster.ipsets = { admins: [{ cidr: '192.168.1.0/24' }] };
      byVmid(w, 100).rules = rules({ type: 'group', action: 'mgmt', comment: 'pxr:x/y' });
    },
    from: 'ipset:admins',
    to: MGMT,
    probe: 'tcp/22',
    verdict: 'allow',
    step: {
      ...into,
      by: 'rule',
      action: 'ACCEPT',
      rule: { ...ref, pos: 0, group: 'mgmt', groupPos: 0, action: 'ACCEPT', macro: 'SSH' },
    },
  },
  {
    name: 'an IP set nomatch entry excludes that address (the client guest)',
    setup: (w) => {
      w.cluster.ipsets = {
        clients: [{ cidr: '10.1.0.0/24' }, { cidr: '10.1.0.20', nomatch: 1 }],
      };
      byVmid(w, 100).rules = rules({
        type: 'in',
        action: 'ACCEPT',
        macro: 'SSH',
        source: '+clients',
      });
    },
    from: CLIENT,
    to: MGMT,
    probe: 'tcp/22',
    verdict: 'deny',
    step: { ...into, by: 'policy', policy: 'DROP', set: false },
  },
  {
    name: "a guest IP set shadows the cluster's of the same name",
    setup: (w) => {
      w.cluster.ipsets = { admins: [{ cidr: '10.1.0.0/24' }] };
      const g = byVmid(w, 100);
      g.ipsets = { admins: [{ cidr: '192.168.1.5' }] };
      g.rules = rules({
        type: 'in',
        action: 'ACCEPT',
        proto: 'tcp',
        dport: '22',
        source: '+admins',
      });
    },
    from: CLIENTS,
    to: MGMT,
    probe: 'tcp/22',
    verdict: 'deny',
    step: { ...into, by: 'policy', policy: 'DROP', set: false },
  },
  {
    name: '+dc/ names the cluster set past the guest one',
    setup: (w) => {
      w.cluster.ipsets = { admins: [{ cidr: '10.1.0.0/24' }] };
      const g = byVmid(w, 100);
      g.ipsets = { admins: [{ cidr: '192.168.1.5' }] };
      g.rules = rules({
        type: 'in',
        action: 'ACCEPT',
        proto: 'tcp',
        dport: '22',
        source: '+dc/admins',
      });
    },
    from: CLIENTS,
    to: MGMT,
    probe: 'tcp/22',
    verdict: 'allow',
    step: { ...into, by: 'rule', action: 'ACCEPT', rule: { ...ref, pos: 0, action: 'ACCEPT' } },
  },
  {
    name: 'cluster firewall off: nothing filters',
    setup: (w) => (w.cluster.options['enable'] = 0),
    from: CLIENTS,
    to: MGMT,
    probe: 'other',
    verdict: 'allow',
    step: { ...into, by: 'not-filtered', reasons: ['cluster-firewall-off'] },
  },
  {
    name: 'guest firewall option off: its rules do not filter',
    setup: (w) => {
      const g = byVmid(w, 100);
      g.options = {};
      g.rules = rules({ type: 'in', action: 'DROP' });
    },
    from: CLIENTS,
    to: MGMT,
    probe: 'other',
    verdict: 'allow',
    step: { ...into, by: 'not-filtered', reasons: ['guest-firewall-off'] },
  },
  {
    name: 'NIC without firewall=1: its rules do not filter',
    setup: (w) => {
      const g = byVmid(w, 100);
      g.nics = g.nics.map((n) => ({ ...n, firewall: false }));
      g.rules = rules({ type: 'in', action: 'DROP' });
    },
    from: CLIENTS,
    to: MGMT,
    probe: 'other',
    verdict: 'allow',
    step: { ...into, by: 'not-filtered', reasons: ['nic-firewall-off'] },
  },
  {
    name: "the source guest's OUT chain: policy_out DROP stops it before the destination",
    setup: (w) => {
      byVmid(w, 100).options['policy_in'] = 'ACCEPT';
      const c = byVmid(w, 200);
      c.options['policy_out'] = 'DROP';
      c.rules = rules({ type: 'out', action: 'ACCEPT', macro: 'HTTPS' });
    },
    from: CLIENT,
    to: MGMT,
    probe: 'tcp/other',
    verdict: 'deny',
    step: { ...outOf, by: 'policy', policy: 'DROP', set: true },
  },
  {
    name: "the source guest's OUT ACCEPT lets it on to the destination's IN chain",
    setup: (w) => {
      byVmid(w, 100).options['policy_in'] = 'ACCEPT';
      const c = byVmid(w, 200);
      c.options['policy_out'] = 'DROP';
      c.rules = rules({ type: 'out', action: 'ACCEPT', macro: 'HTTPS' });
    },
    from: CLIENT,
    to: MGMT,
    probe: 'tcp/443',
    verdict: 'allow',
    step: { ...into, by: 'policy', policy: 'ACCEPT', set: true },
  },
  {
    name: 'an OUT REJECT rule of the source guest denies',
    setup: (w) => {
      byVmid(w, 100).options['policy_in'] = 'ACCEPT';
      byVmid(w, 200).rules = rules({ type: 'out', action: 'REJECT', dest: '192.168.1.0/24' });
    },
    from: CLIENT,
    to: MGMT,
    probe: 'other',
    verdict: 'deny',
    step: {
      ...outOf,
      by: 'rule',
      action: 'REJECT',
      rule: { ...ref, vmid: 200, pos: 0, action: 'REJECT' },
    },
  },
  {
    name: 'the cluster blacklist set drops even when the guest option is off',
    setup: (w) => {
      w.cluster.ipsets = { blacklist: [{ cidr: '10.1.0.0/24' }] };
      byVmid(w, 100).options = {};
    },
    from: CLIENTS,
    to: MGMT,
    probe: 'other',
    verdict: 'deny',
    step: { ...into, by: 'blacklist' },
  },
  {
    name: 'ipfilter on a VM without an ipfilter-net0 set drops its own IPv4 traffic',
    setup: (w) => {
      byVmid(w, 100).options['policy_in'] = 'ACCEPT';
      const c = byVmid(w, 200);
      c.type = 'qemu';
      c.options['ipfilter'] = 1;
    },
    from: CLIENT,
    to: MGMT,
    probe: 'other',
    verdict: 'deny',
    step: { ...outOf, by: 'ipfilter', ipset: 'ipfilter-net0' },
  },
  {
    name: "ipfilter on a container passes the container's configured IP",
    setup: (w) => {
      byVmid(w, 100).options['policy_in'] = 'ACCEPT';
      byVmid(w, 200).options['ipfilter'] = 1;
    },
    from: CLIENT,
    to: MGMT,
    probe: 'other',
    verdict: 'allow',
    step: { ...into, by: 'policy', policy: 'ACCEPT', set: true },
  },
];

describe('reachability: hand-worked verdicts', () => {
  for (const c of cases) {
    test(c.name, () => {
      const w = baseWorld();
      c.setup(w);
      const r = result(reachability(w), c.from, c.to, c.probe);
      assert.equal(r.verdict, c.verdict);
      assert.deepEqual(decided(r), c.step);
    });
  }
});
