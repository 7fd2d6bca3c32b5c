/**
 * `pxr describe firewallpolicy/NAME`: the reachability matrix the rules in Proxmox produce for the
 * guests this policy selects — read from Proxmox (firewall state, guest NICs, the nodes' bridges),
 * evaluated with pve-firewall's semantics (reachability/). Reads only.
 */
import type { ObjectReader, StoredObject } from '../../core/kind.js';
import type { PveClient } from '../../pve/types.js';
import type { Inspection } from '../kind-module.js';
import {
  reachability,
  renderMatrix,
  worldFromApi,
  type FirewallBridge,
} from './reachability/index.js';
import type { FirewallPolicySpec } from './spec.js';
import { readPolicyWorld } from './world-for-policy.js';

async function bridgesOf(pve: PveClient, nodes: readonly string[]): Promise<FirewallBridge[]> {
  const lists = await Promise.all(nodes.map((n) => pve.listNetwork(n)));
  const seen = new Map<string, FirewallBridge>();
  for (const list of lists) {
    for (const i of list.ifaces) {
      if (i.type !== 'bridge' || seen.has(i.iface)) continue;
      seen.set(i.iface, { name: i.iface, ...(i.cidr ? { cidr: i.cidr } : {}) });
    }
  }
  return [...seen.values()];
}

export async function inspectFirewallPolicy(
  obj: StoredObject<FirewallPolicySpec>,
  deps: { pve: PveClient; reader: ObjectReader },
): Promise<Inspection> {
  const pw = await readPolicyWorld(deps.pve, obj, deps.reader);
  const guests = Object.values(pw.world.guests);
  const nodes = [...new Set([...guests.map((g) => g.node), ...Object.keys(pw.world.hosts)])].sort();
  const world = worldFromApi({
    cluster: pw.world.cluster,
    hosts: pw.world.hosts,
    guests: Object.fromEntries(
      guests.map((g) => [
        String(g.vmid),
        {
          ...g,
          // A VM's addresses are in its cloud-init `ipconfigN`, read with the NICs.
          nics: { ...g.nics, ...g.ipconfigs },
          ...(pw.guestNames[String(g.vmid)] ? { name: pw.guestNames[String(g.vmid)] } : {}),
        },
      ]),
    ),
    bridges: await bridgesOf(deps.pve, nodes),
  });
  const matrix = reachability(world, { vmids: guests.map((g) => g.vmid) });
  const waiting =
    pw.waitingFor.length > 0
      ? `\n(not shown: ${pw.waitingFor.join(', ')} — selected but not created yet)\n`
      : '';
  return {
    title: 'Reachability (computed from the rules in Proxmox)',
    text:
      guests.length > 0 ? renderMatrix(matrix) + waiting : `no selected guest exists yet${waiting}`,
    json: { ...matrix, waitingFor: pw.waitingFor },
  };
}
