/**
 * Which SDN sections are pxr's: the zones of SdnZone objects, the vnets of VNet objects and their
 * subnets (deleting ones included: their pending removal is pxr's). Every other pending change is
 * foreign: reported, never applied.
 */
import type { ObjectReader } from '../../core/kind.js';
import { scalarText } from './values.js';
import type { SdnWorld } from './world.js';

export interface ManagedIds {
  zones: Set<string>;
  vnets: Set<string>;
  subnets: Set<string>;
}

/** `<zone>-<network>-<mask>`, as pve-network names a subnet. */
export function subnetId(zone: string, cidr: string): string {
  return `${zone}-${cidr.replace('/', '-')}`;
}

export function managedIds(reader: Pick<ObjectReader, 'list'>): ManagedIds {
  const out: ManagedIds = { zones: new Set(), vnets: new Set(), subnets: new Set() };
  for (const z of reader.list('SdnZone')) out.zones.add(z.name);
  for (const v of reader.list('VNet')) {
    out.vnets.add(v.name);
    const zone = String(v.spec['zone']);
    const subnets = Array.isArray(v.spec['subnets']) ? v.spec['subnets'] : [];
    for (const s of subnets as { cidr?: unknown }[]) {
      if (typeof s.cidr === 'string') out.subnets.add(subnetId(zone, s.cidr));
    }
  }
  return out;
}

/** Pending changes pxr did not make, as `zone foo (new)`. */
export function foreignPending(world: SdnWorld, ids: ManagedIds): string[] {
  const out: string[] = [];
  for (const e of world.zones.values()) {
    if (e.state !== undefined && !ids.zones.has(e.id)) out.push(`zone ${e.id} (${e.state})`);
  }
  for (const e of world.vnets.values()) {
    if (e.state !== undefined && !ids.vnets.has(e.id)) out.push(`vnet ${e.id} (${e.state})`);
  }
  for (const e of world.subnets.values()) {
    if (e.state === undefined || ids.subnets.has(e.id)) continue;
    // A managed VNet's subnets are pxr's to remove (an interrupted pass may have left one).
    const vnet = scalarText(e.running?.['vnet'] ?? e.edited?.['vnet']);
    if (e.state === 'deleted' && ids.vnets.has(vnet)) continue;
    out.push(`subnet ${e.id} (${e.state})`);
  }
  return out;
}

export function foreignMessage(foreign: string[]): string {
  return (
    `pending SDN changes pxr did not make: ${foreign.join(', ')}; pxr applies nothing until ` +
    `they are applied or rolled back by hand (Datacenter → SDN → Apply, or POST /cluster/sdn/rollback)`
  );
}
