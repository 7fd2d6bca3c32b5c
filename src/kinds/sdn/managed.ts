/**
 * Which SDN sections are pxr's: the zones of SdnZone objects, the vnets of VNet objects and their
 * subnets (deleting ones included: their pending removal is pxr's). Every other pending change is
 * foreign: reported, never applied.
 */
import type { ObjectReader } from '../../core/kind.js';
import { scalarText } from './values.js';
import type { SdnEntry, SdnWorld } from './world.js';

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

/**
 * The settings pxr writes, per section type (the SdnZone and VNet kinds' managed keys; a test holds
 * them equal). A pending change of any other key, even in a section pxr manages, is not pxr's.
 */
export const MANAGED_KEYS = {
  zone: ['type', 'bridge', 'peers', 'mtu', 'dhcp', 'ipam', 'nodes'],
  vnet: ['zone', 'tag', 'alias', 'vlanaware'],
  subnet: ['vnet', 'gateway', 'snat', 'dhcp-range', 'dhcp-dns-server', 'dnszoneprefix'],
} as const;

/** Keys whose pending value differs from the running one, outside what pxr manages. */
function foreignKeys(e: SdnEntry, managed: readonly string[]): string[] {
  if (e.state !== 'changed' || !e.running || !e.edited) return [];
  const keys = new Set([...Object.keys(e.running), ...Object.keys(e.edited)]);
  return [...keys]
    .filter((k) => !managed.includes(k))
    .filter((k) => JSON.stringify(e.running?.[k]) !== JSON.stringify(e.edited?.[k]))
    .sort();
}

/** Pending changes pxr did not make, as `zone foo (new)` or `vnet bar (changed: isolate-ports)`. */
export function foreignPending(world: SdnWorld, ids: ManagedIds): string[] {
  const out: string[] = [];
  const sections = [
    ['zone', world.zones, ids.zones],
    ['vnet', world.vnets, ids.vnets],
  ] as const;
  for (const [type, map, mine] of sections) {
    for (const e of map.values()) {
      if (e.state === undefined) continue;
      if (!mine.has(e.id)) {
        out.push(`${type} ${e.id} (${e.state})`);
        continue;
      }
      const keys = foreignKeys(e, MANAGED_KEYS[type]);
      if (keys.length > 0) out.push(`${type} ${e.id} (changed: ${keys.join(', ')})`);
    }
  }
  for (const e of world.subnets.values()) {
    if (e.state === undefined) continue;
    if (ids.subnets.has(e.id)) {
      const keys = foreignKeys(e, MANAGED_KEYS.subnet);
      if (keys.length > 0) out.push(`subnet ${e.id} (changed: ${keys.join(', ')})`);
      continue;
    }
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
