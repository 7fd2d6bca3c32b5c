/**
 * Removing a FirewallPolicy from Proxmox, in the order pve-firewall accepts: this policy's rules in
 * every list it wrote to (hosts, guests — found through the markers, hand-made rules stay), then its
 * groups' rules and the groups (a group that still holds someone's rule is "not empty": kept, said
 * once), then its IP sets (entries first: Proxmox refuses a set that is not empty), then its
 * aliases (nothing of the policy references them any more). Cluster options are left as they are:
 * switching the firewall off is not pxr's call when a policy goes.
 */
import type { StoredObject } from '../../core/kind.js';
import { isPveApiError } from '../../pve/errors.js';
import type { PveClient } from '../../pve/types.js';
import { apiPath } from '../../pve/route.js';
import { deleteIpSet } from './apply.js';
import type { DesiredWorld } from './desired.js';
import { ownerOf } from './marker.js';
import type { FwObserved } from './plan.js';
import { clusterPath, groupPath, guestFwPath, hostRulesPath } from './read-world.js';
import { syncRuleList } from './rule-sync.js';
import type { FirewallPolicySpec } from './spec.js';

export async function finalizePolicy(
  pve: PveClient,
  obj: StoredObject<FirewallPolicySpec>,
  desired: DesiredWorld,
  observed: FwObserved,
): Promise<{ calls: string[]; warnings: string[] }> {
  const policy = obj.name;
  const calls: string[] = [];
  const warnings: string[] = [];
  const paths = new Set<string>(
    Object.values(observed.levels ?? {}).filter((p) => !p.startsWith('/cluster/')),
  );
  for (const h of desired.hosts) paths.add(hostRulesPath(h.node));
  for (const g of desired.guests) paths.add(`${guestFwPath(g)}/rules`);
  for (const path of paths) {
    try {
      calls.push(...(await syncRuleList(pve, path, policy, [])).calls);
    } catch (err) {
      // A destroyed container took its rules with it.
      if (isPveApiError(err) && /does not exist/.test(err.pveMessage)) continue;
      throw err;
    }
  }
  const groups =
    (await pve.get<{ group: string; comment?: string }[]>(`${clusterPath}/groups`)) ?? [];
  for (const g of groups.filter((x) => ownerOf(x.comment) === policy)) {
    calls.push(...(await syncRuleList(pve, groupPath(g.group), policy, [])).calls);
    try {
      await pve.del(groupPath(g.group));
      calls.push(`DELETE ${groupPath(g.group)}`);
    } catch (err) {
      if (!isPveApiError(err)) throw err;
      warnings.push(`security group ${g.group} kept: ${err.pveMessage}`);
    }
  }
  const sets = (await pve.get<{ name: string; comment?: string }[]>(`${clusterPath}/ipset`)) ?? [];
  for (const s of sets.filter((x) => ownerOf(x.comment) === policy)) {
    await deleteIpSet(pve, s.name, async (m, path) => {
      await pve.del(path);
      calls.push(`${m} ${path}`);
    });
  }
  const aliases =
    (await pve.get<{ name: string; comment?: string }[]>(`${clusterPath}/aliases`)) ?? [];
  for (const a of aliases.filter((x) => ownerOf(x.comment) === policy)) {
    const path = apiPath('/cluster/firewall/aliases/{name}', { name: a.name });
    await pve.del(path);
    calls.push(`DELETE ${path}`);
  }
  return { calls, warnings };
}
