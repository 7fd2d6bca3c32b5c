/**
 * Carrying out what the runtime admitted of a FirewallPolicy's plan, in an order Proxmox accepts and
 * that never opens more than either end: aliases and IP sets first (rules reference them), groups
 * and their rules, host and guest rules, then options (the firewall switched on last, once its
 * rules are in place); what the policy no longer names goes last, rules before the groups they
 * fill, entries before their IP sets. Held changes (drift under `alert`, ignored fields) are left
 * as they are: a held rule keeps its fields and place.
 */
import type { AdmittedPlan } from '../../core/kind.js';
import { isPveApiError } from '../../pve/errors.js';
import type { PveClient } from '../../pve/types.js';
import { apiPath } from '../../pve/route.js';
import { clusterPath, groupPath } from './read-world.js';
import type { FwPlanState, LevelWork } from './plan.js';
import { syncRuleList } from './rule-sync.js';

export interface ApplyResult {
  calls: string[];
  races: number;
  /** Labels of the rule lists now holding this policy's rules (or emptied: removed). */
  touched: { label: string; path: string; empty: boolean }[];
  warnings: string[];
}

const setPath = (name: string): string => apiPath('/cluster/firewall/ipset/{name}', { name });
const entryPath = (name: string, cidr: string): string =>
  apiPath('/cluster/firewall/ipset/{name}/{cidr}', { name, cidr });
const aliasPath = (name: string): string => apiPath('/cluster/firewall/aliases/{name}', { name });

/**
 * What a level's sync must leave alone: every rule whose change the runtime did not admit — held
 * (drift under `alert`) or dropped (an ignored field) — keeps its fields and place; moves and the
 * removal of unmanaged rules happen only when admitted.
 */
function heldFor(
  level: LevelWork,
  plan: AdmittedPlan,
): {
  any: boolean;
  hold: Set<string>;
  keepOrder: boolean;
  keepForeign: boolean;
} {
  const prefix = `${level.label}.rules.`;
  const admitted = new Set(
    plan.changes.filter((c) => c.field.startsWith(prefix)).map((c) => c.field.slice(prefix.length)),
  );
  const planned = new Set(level.ops.flatMap((o) => (o.op !== 'move' && o.key ? [o.key] : [])));
  return {
    any: admitted.size > 0,
    hold: new Set([...planned].filter((k) => !admitted.has(k))),
    keepOrder: !admitted.has('order'),
    keepForeign: !admitted.has('unmanaged'),
  };
}

export async function applyPolicy(
  pve: PveClient,
  policy: string,
  state: FwPlanState,
  plan: AdmittedPlan,
): Promise<ApplyResult> {
  const res: ApplyResult = { calls: [], races: 0, touched: [], warnings: [] };
  const admitted = new Set(plan.changes.map((c) => c.field));
  const call = async (
    method: 'POST' | 'PUT' | 'DELETE',
    path: string,
    params?: Record<string, string | number>,
  ): Promise<void> => {
    if (method === 'POST') await pve.post(path, params);
    else if (method === 'PUT') await pve.put(path, params);
    else await pve.del(path, params);
    res.calls.push(`${method} ${path}`);
  };
  const { world, desired } = state;

  // 1. Aliases and IP sets.
  for (const a of desired.aliases) {
    if (!admitted.has(`aliases.${a.name}`)) continue;
    const exists = world.cluster.aliases.some((x) => x.name.toLowerCase() === a.name.toLowerCase());
    if (exists) await call('PUT', aliasPath(a.name), { cidr: a.cidr, comment: a.comment });
    else
      await call('POST', `${clusterPath}/aliases`, {
        name: a.name,
        cidr: a.cidr,
        comment: a.comment,
      });
  }
  for (const s of desired.ipsets) {
    const cur = world.cluster.ipsets.find((x) => x.name === s.name);
    if (!cur && admitted.has(`ipsets.${s.name}`))
      await call('POST', `${clusterPath}/ipset`, { name: s.name, comment: s.comment });
    if (!cur && !admitted.has(`ipsets.${s.name}`)) continue;
    const have = new Map((cur?.entries ?? []).map((e) => [e.cidr, e]));
    for (const e of s.entries) {
      if (!admitted.has(`ipsets.${s.name}.entries.${e.cidr}`)) continue;
      const params: Record<string, string | number> = {
        nomatch: e.nomatch ?? 0,
        comment: e.comment ?? '',
      };
      if (have.has(e.cidr)) await call('PUT', entryPath(s.name, e.cidr), params);
      else await call('POST', setPath(s.name), { cidr: e.cidr, ...params });
    }
    const wanted = new Set(s.entries.map((e) => e.cidr));
    for (const h of cur?.entries ?? []) {
      if (!wanted.has(h.cidr) && admitted.has(`ipsets.${s.name}.entries.${h.cidr}`))
        await call('DELETE', entryPath(s.name, h.cidr));
    }
  }

  // 2. Groups, then every rule list (groups first: guest rules jump to them).
  for (const g of desired.groups) {
    if (admitted.has(`groups.${g.name}`) && !world.cluster.groups.some((x) => x.group === g.name))
      await call('POST', `${clusterPath}/groups`, { group: g.name, comment: g.comment });
  }
  for (const level of state.levels) {
    const h = heldFor(level, plan);
    if (!h.any) {
      if (level.ops.length === 0)
        res.touched.push({
          label: level.label,
          path: level.path,
          empty: level.desired.length === 0,
        });
      continue;
    }
    const r = await syncRuleList(pve, level.path, policy, level.desired, {
      authoritative: level.authoritative,
      hold: h.hold,
      keepOrder: h.keepOrder,
      keepForeign: h.keepForeign,
      otherPolicies: level.otherPolicies,
    });
    res.calls.push(...r.calls);
    res.races += r.races;
    res.touched.push({ label: level.label, path: level.path, empty: level.desired.length === 0 });
  }

  // 3. Options: guests, then the cluster (switching the firewall on last).
  for (const o of [...state.options].sort(
    (a, b) => (a.label === 'cluster' ? 1 : 0) - (b.label === 'cluster' ? 1 : 0),
  )) {
    const prefix = o.label === 'cluster' ? 'cluster.options.' : `${o.label}.options.`;
    const params = Object.fromEntries(
      Object.entries(o.set).filter(([k]) => admitted.has(prefix + k)),
    );
    // With the digest of the read: an edit made since is refused, and the next pass re-plans.
    if (Object.keys(params).length > 0)
      await call('PUT', o.path, { ...params, ...(o.digest ? { digest: o.digest } : {}) });
  }

  // 4. What the policy no longer names: groups (emptied above), IP sets, aliases.
  for (const g of world.cluster.groups) {
    if (!admitted.has(`groups.${g.group}`) || desired.groups.some((d) => d.name === g.group))
      continue;
    try {
      await call('DELETE', groupPath(g.group));
    } catch (err) {
      if (!isPveApiError(err)) throw err;
      res.warnings.push(`security group ${g.group} kept: ${err.pveMessage}`);
    }
  }
  for (const s of world.cluster.ipsets) {
    if (!admitted.has(`ipsets.${s.name}`) || desired.ipsets.some((d) => d.name === s.name))
      continue;
    await deleteIpSet(pve, s.name, call);
  }
  for (const a of world.cluster.aliases) {
    if (
      !admitted.has(`aliases.${a.name}`) ||
      desired.aliases.some((d) => d.name.toLowerCase() === a.name.toLowerCase())
    )
      continue;
    await call('DELETE', aliasPath(a.name));
  }
  return res;
}

/** Proxmox refuses to delete a set that is not empty: its entries go first. */
export async function deleteIpSet(
  pve: PveClient,
  name: string,
  call: (m: 'DELETE', path: string) => Promise<void>,
): Promise<void> {
  const entries = (await pve.get<{ cidr: string }[]>(setPath(name))) ?? [];
  for (const e of entries) await call('DELETE', entryPath(name, e.cidr));
  await call('DELETE', setPath(name));
}
