/**
 * Pure planning of one FirewallPolicy against what was read (read-world.ts): the changes the
 * runtime admits (field, desired, actual, calls, drift), plus the work apply will carry out. Rule
 * lists are planned by rule-plan.ts; this file names the changes and decides what is drift.
 *
 * Field names: `cluster.options.enable`, `groups.web` (the group exists), `groups.web.rules.https`,
 * `groups.web.rules.order` (moves), `guests.web-01.rules.ssh`, `guests.web-01.rules.unmanaged`
 * (hand-made rules an authoritative policy removes), `guests.web-01.options.enable`,
 * `ipsets.mgmt.entries.10.99.0.0/24`, `aliases.proxy`. A difference is drift when pxr had applied
 * this spec (`appliedSpecHash`) at that place (`levels`): a new spec or a newly selected guest is not.
 */
import { TerminalError } from '../../core/errors.js';
import type { PlannedChange } from '../../core/kind.js';
import { guestLabel, nicFirewallHint, type DesiredWorld } from './desired.js';
import { parseRuleComment, ownerOf } from './marker.js';
import type { ApiRule, FirewallWorld } from './read-world.js';
import { clusterPath, groupPath, guestFwPath, hostRulesPath } from './read-world.js';
import { fromApiRule } from './rule-params.js';
import { planRuleList, type CurrentRule, type DesiredRule, type RuleOp } from './rule-plan.js';

/** What pxr keeps in status for a FirewallPolicy (no timestamps: converged passes write nothing). */
export interface FwObserved {
  /** specHash of the last pass that applied everything: differences seen later are drift. */
  appliedSpecHash?: string;
  /** Rule lists pxr wrote to (label → rules path), so rules left behind are found and removed. */
  levels?: Record<string, string>;
}

export function readFwObserved(raw: Record<string, unknown>): FwObserved {
  const out: FwObserved = {};
  if (typeof raw['appliedSpecHash'] === 'string') out.appliedSpecHash = raw['appliedSpecHash'];
  const l = raw['levels'];
  if (l && typeof l === 'object') {
    out.levels = Object.fromEntries(
      Object.entries(l as Record<string, unknown>).filter(
        (e): e is [string, string] => typeof e[1] === 'string',
      ),
    );
  }
  return out;
}

export interface LevelWork {
  /** `guests.web-01`, `hosts.pve`, `groups.web`. */
  label: string;
  path: string;
  desired: DesiredRule[];
  authoritative: boolean;
  /** Policies whose marked rules here are theirs (never removed by this one). */
  otherPolicies: ReadonlySet<string>;
  ops: RuleOp[];
}

export interface OptionWork {
  label: string;
  path: string;
  set: Record<string, string | number>;
  /** The options' digest as read: the PUT carries it, so an edit in between is refused. */
  digest?: string;
}

export interface FwPlanState {
  world: FirewallWorld;
  desired: DesiredWorld;
  levels: LevelWork[];
  options: OptionWork[];
  /** What filtering still lacks after this plan (for `NotEnforced`). */
  notEnforced: string[];
}

function digestOf(options: Record<string, unknown>): { digest?: string } {
  const d = options['digest'];
  return typeof d === 'string' && d !== '' ? { digest: d } : {};
}

export function currentRules(
  rules: readonly ApiRule[],
  policy: string,
  others: ReadonlySet<string> = new Set(),
): CurrentRule[] {
  return rules.map((r) => {
    const rule = fromApiRule(r);
    const mark = parseRuleComment(rule.comment);
    if (mark?.policy === policy) return { rule, key: mark.rule };
    return mark && others.has(mark.policy) ? { rule, otherPolicy: mark.policy } : { rule };
  });
}

/** A name taken by something pxr did not create for this policy: never taken over. */
function notOwned(what: string, name: string, comment: string | undefined): TerminalError {
  const owner = ownerOf(comment);
  return new TerminalError(
    'NotOwned',
    `${what} ${name} already exists and is ${owner ? `FirewallPolicy/${owner}'s` : 'not managed by pxr'}; rename it in this policy`,
    { context: { name } },
  );
}

const on = (v: unknown): boolean => v !== undefined && Number(v) === 1;

export function planPolicy(input: {
  policy: string;
  authoritative: boolean;
  enforce: boolean;
  world: FirewallWorld;
  desired: DesiredWorld;
  observed: FwObserved;
  specHash: string;
}): { changes: PlannedChange[]; state: FwPlanState } {
  const { policy, world, desired, observed } = input;
  const others = new Set(desired.otherPolicies);
  const applied = observed.appliedSpecHash === input.specHash;
  const knownLevels = observed.levels ?? {};
  const changes: PlannedChange[] = [];
  const levels: LevelWork[] = [];
  const options: OptionWork[] = [];
  const drift = (label?: string): boolean =>
    applied && (label === undefined || knownLevels[label] !== undefined);

  const notEnforced: string[] = [];
  // Aliases and IP sets (cluster, owned through their comment).
  const aliasByName = new Map(world.cluster.aliases.map((a) => [a.name.toLowerCase(), a]));
  for (const a of desired.aliases) {
    const cur = aliasByName.get(a.name.toLowerCase());
    if (cur && ownerOf(cur.comment) !== policy) {
      throw notOwned('alias', a.name, cur.comment);
    }
    if (!cur || cur.cidr !== a.cidr || (cur.comment ?? '') !== a.comment) {
      changes.push({
        field: `aliases.${a.name}`,
        desired: a.cidr,
        ...(cur ? { actual: cur.cidr } : {}),
        calls: [cur ? `PUT ${clusterPath}/aliases/${a.name}` : `POST ${clusterPath}/aliases`],
        drift: drift() && cur !== undefined,
      });
    }
  }
  const setByName = new Map(world.cluster.ipsets.map((s) => [s.name, s]));
  for (const s of desired.ipsets) {
    const cur = setByName.get(s.name);
    if (cur && ownerOf(cur.comment) !== policy) {
      throw notOwned('IP set', s.name, cur.comment);
    }
    if (!cur) {
      changes.push({
        field: `ipsets.${s.name}`,
        desired: true,
        actual: false,
        calls: [`POST ${clusterPath}/ipset name=${s.name}`],
        drift: drift(),
      });
    }
    const have = new Map((cur?.entries ?? []).map((e) => [e.cidr, e]));
    for (const e of s.entries) {
      const h = have.get(e.cidr);
      const same =
        h && Number(h.nomatch ?? 0) === (e.nomatch ?? 0) && (h.comment ?? '') === (e.comment ?? '');
      if (!same) {
        changes.push({
          field: `ipsets.${s.name}.entries.${e.cidr}`,
          desired: e,
          ...(h ? { actual: h } : {}),
          calls: [
            h
              ? `PUT ${clusterPath}/ipset/${s.name}/${e.cidr}`
              : `POST ${clusterPath}/ipset/${s.name} cidr=${e.cidr}`,
          ],
          drift: drift() && cur !== undefined,
        });
      }
    }
    const wanted = new Set(s.entries.map((e) => e.cidr));
    for (const h of cur?.entries ?? []) {
      if (wanted.has(h.cidr)) continue;
      changes.push({
        field: `ipsets.${s.name}.entries.${h.cidr}`,
        desired: undefined,
        actual: h,
        calls: [`DELETE ${clusterPath}/ipset/${s.name}/${h.cidr}`],
        drift: drift(),
      });
    }
  }

  // Groups: exist, then their rules (every rule of a pxr group is pxr's: authoritative).
  const groupByName = new Map(world.cluster.groups.map((g) => [g.group, g]));
  for (const g of desired.groups) {
    const cur = groupByName.get(g.name);
    if (cur && ownerOf(cur.comment) !== policy) {
      throw notOwned('security group', g.name, cur.comment);
    }
    if (!cur) {
      changes.push({
        field: `groups.${g.name}`,
        desired: true,
        actual: false,
        calls: [`POST ${clusterPath}/groups group=${g.name}`],
        drift: drift(),
      });
    }
    levels.push(
      levelWork(policy, `groups.${g.name}`, groupPath(g.name), cur?.rules ?? [], g.rules, true),
    );
  }
  for (const h of desired.hosts) {
    const cur = world.hosts[h.node]?.rules ?? [];
    const label = `hosts.${h.node}`;
    levels.push(
      levelWork(
        { policy, others },
        label,
        hostRulesPath(h.node),
        cur,
        h.rules,
        input.authoritative,
      ),
    );
    // Proxmox's default for a host is on; someone may have switched it off.
    const hostEnable = world.hosts[h.node]?.options['enable'];
    if (hostEnable !== undefined && !on(hostEnable))
      notEnforced.push(
        `the host firewall of ${h.node} is off (/nodes/${h.node}/firewall/options enable)`,
      );
  }
  for (const g of desired.guests) {
    const read = world.guests[String(g.vmid)];
    if (!read) continue;
    const label = guestLabel(g);
    const path = `${guestFwPath(g)}/rules`;
    levels.push(
      levelWork({ policy, others }, label, path, read.rules, g.rules, input.authoritative),
    );
    const set: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(g.options)) {
      const actual = read.options[k];
      if (actual !== undefined && String(actual) === String(v)) continue;
      set[k] = v;
      changes.push({
        field: `${label}.options.${k}`,
        desired: v,
        ...(actual !== undefined ? { actual } : {}),
        calls: [`PUT ${guestFwPath(g)}/options ${k}=${v}`],
        drift: drift(label),
      });
    }
    if (Object.keys(set).length > 0)
      options.push({ label, path: `${guestFwPath(g)}/options`, set, ...digestOf(read.options) });
    if (!on(g.options['enable'] ?? read.options['enable']))
      notEnforced.push(`the firewall option of ${g.name} (vmid ${g.vmid}) is off`);
    const nics = Object.entries(read.nics);
    const unfiltered = nics.filter(([, v]) => !/(^|,)firewall=1(,|$)/.test(v)).map(([k]) => k);
    if (nics.length > 0 && unfiltered.length > 0)
      notEnforced.push(
        `${unfiltered.join(', ')} of ${g.name} lacks firewall=1 (${nicFirewallHint(g)})`,
      );
  }

  // Cluster options: only the keys the spec names.
  const cset: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(desired.clusterOptions)) {
    const actual = world.cluster.options[k];
    if (actual !== undefined && String(actual) === String(v)) continue;
    cset[k] = v;
    changes.push({
      field: `cluster.options.${k}`,
      desired: v,
      ...(actual !== undefined ? { actual } : {}),
      calls: [`PUT ${clusterPath}/options ${k}=${v}`],
      drift: drift(),
    });
  }
  if (Object.keys(cset).length > 0)
    options.push({
      label: 'cluster',
      path: `${clusterPath}/options`,
      set: cset,
      ...digestOf(world.cluster.options),
    });
  if (!on(desired.clusterOptions['enable'] ?? world.cluster.options['enable']))
    notEnforced.unshift('the cluster firewall is off (/cluster/firewall/options enable)');

  // Levels pxr wrote to before and no longer targets (a guest deselected, a host dropped).
  const targeted = new Set(levels.map((l) => l.label));
  const stale = new Set<string>();
  for (const [label, path] of Object.entries(knownLevels)) {
    if (targeted.has(label) || label.startsWith('groups.')) continue;
    const cur = ruleListAt(world, path);
    stale.add(label);
    if (cur) levels.push(levelWork({ policy, others }, label, path, cur, [], false));
  }
  // Groups, IP sets and aliases this policy owns and no longer names: removed after the rules.
  for (const g of world.cluster.groups) {
    if (ownerOf(g.comment) !== policy || desired.groups.some((d) => d.name === g.group)) continue;
    stale.add(`groups.${g.group}`);
    levels.push(levelWork(policy, `groups.${g.group}`, groupPath(g.group), g.rules, [], true));
    changes.push({
      field: `groups.${g.group}`,
      desired: false,
      actual: true,
      calls: [`DELETE ${groupPath(g.group)}`],
      drift: false,
    });
  }
  for (const s of world.cluster.ipsets) {
    if (ownerOf(s.comment) !== policy || desired.ipsets.some((d) => d.name === s.name)) continue;
    changes.push({
      field: `ipsets.${s.name}`,
      desired: false,
      actual: true,
      calls: [`DELETE ${clusterPath}/ipset/${s.name}`],
      drift: false,
    });
  }
  for (const a of world.cluster.aliases) {
    if (
      ownerOf(a.comment) !== policy ||
      desired.aliases.some((d) => d.name.toLowerCase() === a.name.toLowerCase())
    )
      continue;
    changes.push({
      field: `aliases.${a.name}`,
      desired: undefined,
      actual: a.cidr,
      calls: [`DELETE ${clusterPath}/aliases/${a.name}`],
      drift: false,
    });
  }
  // Leaving a guest that is no longer selected (or a group no longer named) follows a change of
  // the selection, not of Proxmox: never drift.
  for (const l of levels) {
    const known = knownLevels[l.label] !== undefined && !stale.has(l.label);
    changes.push(...levelChanges(l, known && applied));
  }
  return { changes, state: { world, desired, levels, options, notEnforced } };
}

function ruleListAt(world: FirewallWorld, path: string): ApiRule[] | undefined {
  for (const [node, h] of Object.entries(world.hosts))
    if (hostRulesPath(node) === path) return h.rules;
  for (const g of Object.values(world.guests))
    if (`${guestFwPath(g)}/rules` === path) return g.rules;
  return undefined;
}

function levelWork(
  policy: string | { policy: string; others: ReadonlySet<string> },
  label: string,
  path: string,
  current: readonly ApiRule[],
  desired: DesiredRule[],
  authoritative: boolean,
): LevelWork & { current: CurrentRule[] } {
  const { policy: name, others } =
    typeof policy === 'string' ? { policy, others: new Set<string>() } : policy;
  const cur = currentRules(current, name, others);
  return {
    label,
    path,
    desired,
    authoritative,
    current: cur,
    otherPolicies: others,
    ops: planRuleList(cur, desired, { authoritative }).ops,
  };
}

function levelChanges(l: LevelWork & { current?: CurrentRule[] }, drift: boolean): PlannedChange[] {
  const out: PlannedChange[] = [];
  const moves: string[] = [];
  const unmanaged: string[] = [];
  const byKey = new Map<string, PlannedChange>();
  const want = new Map(l.desired.map((d) => [d.key, d.rule]));
  for (const op of l.ops) {
    if (op.op === 'move') {
      moves.push(`PUT ${l.path}/${op.pos} moveto=${op.moveto}`);
      continue;
    }
    if (op.op === 'delete' && op.key === undefined) {
      unmanaged.push(`DELETE ${l.path}/${op.pos}`);
      continue;
    }
    const key = op.key!;
    const call =
      op.op === 'create'
        ? `POST ${l.path}`
        : op.op === 'update'
          ? `PUT ${l.path}/${op.pos}`
          : `DELETE ${l.path}/${op.pos}`;
    const c = byKey.get(key);
    if (c) {
      c.calls.push(call);
      continue;
    }
    const actual = l.current?.find((r) => r.key === key)?.rule;
    const ch: PlannedChange = {
      field: `${l.label}.rules.${key}`,
      desired: want.get(key),
      ...(actual ? { actual } : {}),
      calls: [call],
      aliases: [`${l.label}.rules`],
      drift,
    };
    byKey.set(key, ch);
    out.push(ch);
  }
  if (unmanaged.length > 0) {
    out.push({
      field: `${l.label}.rules.unmanaged`,
      desired: [],
      actual: (l.current ?? [])
        .filter((r) => r.key === undefined)
        .map((r) => r.rule.comment ?? `${r.rule.type} ${r.rule.action}`),
      calls: unmanaged,
      aliases: [`${l.label}.rules`],
      drift,
    });
  }
  if (moves.length > 0) {
    out.push({
      field: `${l.label}.rules.order`,
      desired: l.desired.map((d) => d.key),
      actual: (l.current ?? []).flatMap((r) => (r.key ? [r.key] : [])),
      calls: moves,
      aliases: [`${l.label}.rules`],
      drift,
    });
  }
  return out;
}
