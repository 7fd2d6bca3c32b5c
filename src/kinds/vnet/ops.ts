/**
 * What a VNet asks of the SDN config (the vnet section and one section per subnet), which of its
 * subnets the spec no longer names, what it waits for (its zone in the config), and what keeps it
 * from being removed (a guest NIC still on it).
 */
import type { StoredObject } from '../../core/kind.js';
import { apiPath } from '../../pve/route.js';
import type { PveClient } from '../../pve/types.js';
import type { SdnItem } from '../sdn/items.js';
import { subnetId } from '../sdn/managed.js';
import type { SdnKindOps } from '../sdn/reconciler.js';
import type { SdnWorld } from '../sdn/world.js';
import type { SubnetSpec, VNetSpec } from './schema.js';

type Obj = StoredObject<VNetSpec>;

export const VNET_NAMES = {
  zone: 'zone',
  tag: 'tag',
  alias: 'alias',
  vlanaware: 'vlanAware',
} as const;
export const SUBNET_NAMES = {
  gateway: 'gateway',
  snat: 'snat',
  'dhcp-range': 'dhcpRanges',
  'dhcp-dns-server': 'dhcpDnsServer',
  dnszoneprefix: 'dnsZonePrefix',
} as const;

function subnetItem(o: Obj, s: SubnetSpec): SdnItem {
  return {
    type: 'subnet',
    id: subnetId(o.spec.zone, s.cidr),
    field: `subnets[${s.cidr}]`,
    vnet: o.name,
    cidr: s.cidr,
    names: SUBNET_NAMES,
    desired: {
      gateway: s.gateway,
      snat: s.snat === true ? 1 : undefined,
      'dhcp-range': s.dhcpRanges?.map((r) => `start-address=${r.start},end-address=${r.end}`),
      'dhcp-dns-server': s.dhcpDnsServer,
      dnszoneprefix: s.dnsZonePrefix,
    },
  };
}

function itemsOf(o: Obj): SdnItem[] {
  const vnet: SdnItem = {
    type: 'vnet',
    id: o.name,
    field: '',
    names: VNET_NAMES,
    desired: {
      zone: o.spec.zone,
      tag: o.spec.tag,
      alias: o.spec.alias,
      vlanaware: o.spec.vlanAware === true ? 1 : undefined,
    },
  };
  return [vnet, ...(o.spec.subnets ?? []).map((s) => subnetItem(o, s))];
}

function extrasOf(o: Obj, world: SdnWorld): SdnItem[] {
  const want = new Set((o.spec.subnets ?? []).map((s) => subnetId(o.spec.zone, s.cidr)));
  const out: SdnItem[] = [];
  for (const e of world.subnets.values()) {
    const vnet = e.edited?.['vnet'] ?? e.running?.['vnet'];
    if (vnet !== o.name || want.has(e.id)) continue;
    const [, network = '', mask = ''] = e.id.split('-');
    const cidr = `${network}/${mask}`;
    out.push({
      type: 'subnet',
      id: e.id,
      field: `subnets[${cidr}]`,
      vnet: o.name,
      cidr,
      names: {},
      desired: {},
    });
  }
  return out;
}

/** Guest NICs on the vnet (`net3: name=eth3,bridge=mesh,...`), as `CT 105 (net1)`. */
async function guestsOn(pve: PveClient, vnet: string): Promise<string[]> {
  const out: string[] = [];
  for (const g of await pve.clusterResources('vm')) {
    if (g.node === undefined || g.vmid === undefined) continue;
    const type = g.type === 'qemu' ? 'qemu' : 'lxc';
    const conf = await pve.get<Record<string, unknown>>(
      apiPath(`/nodes/{node}/${type}/{vmid}/config`, { node: g.node, vmid: String(g.vmid) }),
    );
    for (const [k, v] of Object.entries(conf)) {
      if (!/^net\d+$/.test(k) || typeof v !== 'string') continue;
      if (v.split(',').includes(`bridge=${vnet}`))
        out.push(`${type === 'lxc' ? 'CT' : 'VM'} ${g.vmid} (${k})`);
    }
  }
  return out;
}

export const vnetOps: SdnKindOps<VNetSpec> = {
  resourceType: 'sdn-vnet',
  itemsOf,
  extrasOf,
  zoneOf: (o) => o.spec.zone,
  waitingOf(o, world, ctx) {
    if (world.zones.get(o.spec.zone)?.edited) return undefined;
    const managed = ctx.get({ kind: 'SdnZone', name: o.spec.zone });
    return managed
      ? `waiting for SdnZone/${o.spec.zone} to be written`
      : `zone ${o.spec.zone} does not exist and no SdnZone object manages it`;
  },
  async inUse(pve, o) {
    const users = await guestsOn(pve, o.name);
    return users.length > 0 ? `vnet ${o.name} is still used by ${users.join(', ')}` : undefined;
  },
};
