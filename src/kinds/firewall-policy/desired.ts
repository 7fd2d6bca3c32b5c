/**
 * What a FirewallPolicy wants, level by level, in Proxmox's stored shapes (pure): each rule list
 * with its markers, the groups, IP sets and aliases with their owner comments, the options, and
 * which guests (AppContainers and VirtualMachines) its guest entries select, and where they live
 * (from their status).
 */
import type { ObjectReader, StoredObject } from '../../core/kind.js';
import { asRecord } from '../../core/records.js';
import { cleanCidr, parseIpOrCidr } from '../../sim/firewall/addr.js';
import { ownerComment } from './marker.js';
import { toStoredRule } from './rule-params.js';
import type { GuestType } from './read-world.js';
import type { DesiredRule } from './rule-plan.js';
import type { FirewallPolicySpec, FirewallRuleSpec } from './spec.js';

export interface DesiredIpSetEntry {
  cidr: string;
  nomatch?: 1;
  comment?: string;
}

/** The kinds a guest entry selects among, and the API path segment of each. */
export const GUEST_KINDS = { AppContainer: 'lxc', VirtualMachine: 'qemu' } as const;
export type GuestKind = keyof typeof GUEST_KINDS;
const ALL_GUEST_KINDS = Object.keys(GUEST_KINDS) as GuestKind[];

type GuestEntry = NonNullable<FirewallPolicySpec['guests']>[number];

/** `select.kinds`, both kinds when absent. */
export const entryKinds = (entry: GuestEntry): readonly GuestKind[] =>
  entry.select.kinds ?? ALL_GUEST_KINDS;

export const isGuestKind = (kind: string): kind is GuestKind => kind in GUEST_KINDS;

export interface DesiredGuest {
  kind: GuestKind;
  /** The AppContainer or VirtualMachine name. */
  name: string;
  type: GuestType;
  node: string;
  vmid: number;
  options: Record<string, string | number>;
  rules: DesiredRule[];
}

/**
 * A guest's place in plans and in the recorded levels: `guests.NAME` for a container (as before
 * VMs joined), `guests.vm/NAME` for a VM (`/` is in no object name, so the two never collide).
 */
export const guestLabel = (g: Pick<DesiredGuest, 'kind' | 'name'>): string =>
  g.kind === 'VirtualMachine' ? `guests.vm/${g.name}` : `guests.${g.name}`;

/** Where the manifest switches a guest's NIC filter on. */
export const nicFirewallHint = (g: Pick<DesiredGuest, 'kind' | 'name'>): string =>
  g.kind === 'VirtualMachine'
    ? `set firewall: true on the networks item of VirtualMachine/${g.name}`
    : `set network.firewall: true on AppContainer/${g.name}`;

export interface DesiredWorld {
  clusterOptions: Record<string, string | number>;
  groups: { name: string; comment: string; rules: DesiredRule[] }[];
  ipsets: { name: string; comment: string; entries: DesiredIpSetEntry[] }[];
  aliases: { name: string; cidr: string; comment: string }[];
  hosts: { node: string; rules: DesiredRule[] }[];
  guests: DesiredGuest[];
  /** Selected guests that do not exist (yet), as `Kind/name` or a bare name of either kind. */
  waitingFor: string[];
  /** Other FirewallPolicies (their marked rules are never this policy's to remove). */
  otherPolicies: string[];
  /** Options another policy sets differently and wins (it comes first by name): left to it. */
  conflicts: string[];
}

const rulesOf = (policy: string, rules: readonly FirewallRuleSpec[] | undefined): DesiredRule[] =>
  (rules ?? []).map((r) => ({ key: r.name, rule: toStoredRule(policy, r) }));

const bool = (b: boolean): number => (b ? 1 : 0);

/** The stored form of an IP set entry (`/32` dropped, host bits cleared). */
export function normalEntryCidr(cidr: string): string {
  try {
    return parseIpOrCidr(cleanCidr(cidr)).cidr;
  } catch {
    return cidr;
  }
}

/** The stored form of an alias (`/32` dropped, host bits kept as Proxmox keeps them). */
export function normalAliasCidr(cidr: string): string {
  try {
    return parseIpOrCidr(cidr).cidr;
  } catch {
    return cidr;
  }
}

/**
 * The guests an entry selects: each name among the entry's kinds (a name that is both an
 * AppContainer and a VirtualMachine selects both), and every object of those kinds carrying the
 * labels. `missing` are the names no object of those kinds has yet.
 */
export function selectedGuests(
  entry: GuestEntry,
  reader: Pick<ObjectReader, 'list' | 'get'>,
): { guests: { kind: GuestKind; name: string }[]; missing: string[] } {
  const kinds = entryKinds(entry);
  const found = new Map<string, { kind: GuestKind; name: string }>();
  const missing: string[] = [];
  for (const name of entry.select.names ?? []) {
    const here = kinds.filter((kind) => reader.get({ kind, name }) !== undefined);
    if (here.length === 0) missing.push(kinds.length === 1 ? `${kinds[0]}/${name}` : name);
    for (const kind of here) found.set(`${kind}/${name}`, { kind, name });
  }
  if (entry.select.labels) {
    for (const kind of kinds) {
      for (const o of reader.list(kind, entry.select.labels))
        found.set(`${kind}/${o.name}`, { kind, name: o.name });
    }
  }
  const guests = [...found.values()].sort(
    (a, b) => a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind),
  );
  return { guests, missing };
}

/** Whether `policy` selects the guest object `guest` (an AppContainer or VirtualMachine; for watches). */
export function policySelects(
  policy: StoredObject<FirewallPolicySpec>,
  guest: StoredObject,
): boolean {
  return (policy.spec.guests ?? []).some(
    (g) =>
      isGuestKind(guest.kind) &&
      entryKinds(g).includes(guest.kind) &&
      ((g.select.names ?? []).includes(guest.name) ||
        (g.select.labels !== undefined &&
          Object.entries(g.select.labels).every(([k, v]) => guest.labels[k] === v))),
  );
}

/**
 * Several policies may select one guest (or set cluster options): their rules live side by side
 * (each manages its own markers), and an option two of them set differently goes to the policy
 * that comes first by name; the others leave it alone and report the conflict.
 */
export function desiredWorld(
  obj: StoredObject<FirewallPolicySpec>,
  reader: Pick<ObjectReader, 'list' | 'get' | 'getStatus'>,
): DesiredWorld {
  const own = ownDesiredWorld(obj, reader);
  const others = reader
    .list('FirewallPolicy')
    .filter(
      (o) => o.name !== obj.name && !o.deletionRequested,
    ) as StoredObject<FirewallPolicySpec>[];
  own.otherPolicies = others.map((o) => o.name).sort();
  for (const other of others.filter((o) => o.name < obj.name)) {
    const theirs = ownDesiredWorld(other, reader);
    const clash = (
      target: string,
      mine: Record<string, string | number>,
      them: Record<string, string | number>,
    ): void => {
      for (const [k, v] of Object.entries(mine)) {
        const t = them[k];
        if (t === undefined || String(t) === String(v)) continue;
        delete mine[k];
        own.conflicts.push(
          `${target} option ${k}: FirewallPolicy/${other.name} sets ${String(t)} (it comes first by name), this policy ${String(v)}`,
        );
      }
    };
    clash('cluster', own.clusterOptions, theirs.clusterOptions);
    for (const g of own.guests) {
      const t = theirs.guests.find((x) => x.kind === g.kind && x.name === g.name);
      if (t) clash(`guest ${g.kind}/${g.name}`, g.options, t.options);
    }
  }
  return own;
}

function ownDesiredWorld(
  obj: StoredObject<FirewallPolicySpec>,
  reader: Pick<ObjectReader, 'list' | 'get' | 'getStatus'>,
): DesiredWorld {
  const policy = obj.name;
  const spec = obj.spec;
  const out: DesiredWorld = {
    clusterOptions: {},
    groups: [],
    ipsets: [],
    aliases: [],
    hosts: [],
    guests: [],
    waitingFor: [],
    otherPolicies: [],
    conflicts: [],
  };
  const co = spec.cluster?.options ?? {};
  if (co.enable !== undefined) out.clusterOptions['enable'] = bool(co.enable);
  if (spec.enforce) out.clusterOptions['enable'] = 1;
  if (co.policy_in) out.clusterOptions['policy_in'] = co.policy_in;
  if (co.policy_out) out.clusterOptions['policy_out'] = co.policy_out;
  if (co.log_ratelimit) {
    const l = co.log_ratelimit;
    const parts = [`enable=${bool(l.enable !== false)}`];
    if (l.rate) parts.push(`rate=${l.rate}`);
    if (l.burst !== undefined) parts.push(`burst=${l.burst}`);
    out.clusterOptions['log_ratelimit'] = parts.join(',');
  }
  for (const g of spec.groups ?? []) {
    out.groups.push({
      name: g.name,
      comment: ownerComment(policy, g.comment),
      rules: rulesOf(policy, g.rules),
    });
  }
  for (const s of spec.ipsets ?? []) {
    out.ipsets.push({
      name: s.name,
      comment: ownerComment(policy, s.comment),
      entries: (s.entries ?? []).map((e) => ({
        cidr: normalEntryCidr(e.cidr),
        ...(e.nomatch ? { nomatch: 1 as const } : {}),
        ...(e.comment?.trim() ? { comment: e.comment.trim() } : {}),
      })),
    });
  }
  for (const a of spec.aliases ?? []) {
    out.aliases.push({
      name: a.name,
      cidr: normalAliasCidr(a.cidr),
      comment: ownerComment(policy, a.comment),
    });
  }
  for (const h of spec.hosts ?? [])
    out.hosts.push({ node: h.node, rules: rulesOf(policy, h.rules) });

  const guests = new Map<string, DesiredGuest>();
  for (const entry of spec.guests ?? []) {
    const selected = selectedGuests(entry, reader);
    for (const m of selected.missing) if (!out.waitingFor.includes(m)) out.waitingFor.push(m);
    for (const { kind, name } of selected.guests) {
      const observed = reader.getStatus({ kind, name })?.observed ?? {};
      const vmid = observed['vmid'];
      const node = observed['node'];
      const key = `${kind}/${name}`;
      if (typeof vmid !== 'number' || typeof node !== 'string') {
        if (!out.waitingFor.includes(key)) out.waitingFor.push(key);
        continue;
      }
      const type = GUEST_KINDS[kind];
      const g = guests.get(key) ?? { kind, name, type, node, vmid, options: {}, rules: [] };
      const o = asRecord(entry.options);
      for (const [k, v] of Object.entries(o)) {
        if (typeof v === 'boolean') g.options[k] = bool(v);
        else if (typeof v === 'string') g.options[k] = v;
      }
      if (spec.enforce) g.options['enable'] = 1;
      g.rules.push(...rulesOf(policy, entry.rules));
      guests.set(key, g);
    }
  }
  out.guests = [...guests.values()];
  return out;
}
