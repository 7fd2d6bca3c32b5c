/**
 * The seam for `pxr describe firewallpolicy/NAME` (the reachability matrix): everything one policy
 * concerns, read from Proxmox as plain Proxmox-shaped data — the cluster firewall (options, rules,
 * groups, IP sets, aliases), the hosts it names, and each guest it selects with its options, rules
 * and NICs — plus which AppContainer or VirtualMachine each vmid is. Reads only.
 */
import type { ObjectReader, StoredObject } from '../../core/kind.js';
import type { PveClient } from '../../pve/types.js';
import { desiredWorld } from './desired.js';
import { readFirewallWorld, type FirewallWorld } from './read-world.js';
import type { FirewallPolicySpec } from './spec.js';

export interface PolicyWorld {
  world: FirewallWorld;
  /** AppContainer or VirtualMachine name per vmid (as a string key, like `world.guests`). */
  guestNames: Record<string, string>;
  /** Selected guests that do not exist yet (not in `world.guests`). */
  waitingFor: string[];
}

export async function readPolicyWorld(
  pve: PveClient,
  obj: StoredObject<FirewallPolicySpec>,
  reader: Pick<ObjectReader, 'list' | 'get' | 'getStatus'>,
): Promise<PolicyWorld> {
  const desired = desiredWorld(obj, reader);
  const world = await readFirewallWorld(pve, {
    nodes: desired.hosts.map((h) => h.node),
    guests: desired.guests.map((g) => ({ node: g.node, vmid: g.vmid, type: g.type })),
  });
  return {
    world,
    guestNames: Object.fromEntries(desired.guests.map((g) => [String(g.vmid), g.name])),
    waitingFor: desired.waitingFor,
  };
}
