/**
 * The vnets a node has, from the RUNNING SDN config (pve-network `get_local_vnets`): what
 * `GET /nodes/{node}/network?type=vnet|any_bridge|include_sdn` adds to the host's interfaces, and
 * the bridges the node's SDN reload brings up for guests to plug into.
 */
import type { SdnState } from './state.js';

export interface LocalVnet {
  iface: string;
  type: 'vnet';
  /** A string upstream (`active => '1'`), unlike the reader's numeric `active`. */
  active: '1';
  ipam: 0 | 1;
  vlanaware: 0 | 1;
  /** The vnet alias; null (Perl undef) when it has none. */
  comments: string | null;
}

export function localVnets(sdn: SdnState | undefined, node: string): LocalVnet[] {
  const running = sdn?.running;
  if (!running) return [];
  const out: LocalVnet[] = [];
  for (const id of Object.keys(running.vnets).sort()) {
    const vnet = running.vnets[id] ?? {};
    const zone = running.zones[String(vnet['zone'])];
    if (!zone) continue;
    const nodes = zone['nodes'];
    if (typeof nodes === 'string' && !nodes.split(',').includes(node)) continue;
    out.push({
      iface: id,
      type: 'vnet',
      active: '1',
      ipam: zone['ipam'] !== undefined ? 1 : 0,
      vlanaware: vnet['vlanaware'] === 1 ? 1 : 0,
      comments: typeof vnet['alias'] === 'string' ? vnet['alias'] : null,
    });
  }
  return out;
}

/**
 * `Zones::status` as `/cluster/resources?type=sdn` lists it: every running zone present on the
 * node, `available` once the node generated the running version, `pending` until then.
 */
export function zoneResources(
  sdn: SdnState | undefined,
  node: string,
  localVersion: number | undefined,
): Record<string, unknown>[] {
  const running = sdn?.running;
  if (!running) return [];
  const status = (localVersion ?? 0) >= running.version ? 'available' : 'pending';
  return Object.keys(running.zones)
    .sort()
    .filter((id) => {
      const nodes = running.zones[id]?.['nodes'];
      return typeof nodes !== 'string' || nodes.split(',').includes(node);
    })
    .map((id) => ({
      id: `sdn/${node}/${id}`,
      type: 'sdn',
      sdn: id,
      node,
      status,
      'zone-type': running.zones[id]?.['type'],
    }));
}
