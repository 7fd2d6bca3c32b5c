/**
 * What an SdnZone asks of the SDN config (one zone section), when its writes wait for the VNets'
 * batch (a zone whose VNets are not live yet: zone, vnets and subnets then go live in one PUT), and
 * what it waits for (the bridge of a vlan zone, when pxr manages it), and what keeps it from being removed (a vnet still in it — Proxmox's own words).
 */
import type { ReconcileContext, StoredObject } from '../../core/kind.js';
import type { SdnItem } from '../sdn/items.js';
import type { SdnKindOps } from '../sdn/reconciler.js';
import type { SdnZoneSpec } from './schema.js';

type Obj = StoredObject<SdnZoneSpec>;

export const NAMES = {
  type: 'type',
  bridge: 'bridge',
  peers: 'peers',
  mtu: 'mtu',
  dhcp: 'dhcp',
  ipam: 'ipam',
  nodes: 'nodes',
} as const;

function zoneItem(o: Obj): SdnItem {
  const s = o.spec;
  return {
    type: 'zone',
    id: o.name,
    field: '',
    names: NAMES,
    desired: {
      type: s.type,
      bridge: s.bridge,
      peers: s.peers?.join(','),
      mtu: s.mtu,
      dhcp: s.dhcp,
      ipam: s.ipam,
      nodes: s.nodes?.join(','),
    },
  };
}

/** VNets of `zone` that have not gone live at their generation yet. */
function vnetsWaiting(ctx: ReconcileContext, zone: string): boolean {
  return ctx
    .list('VNet')
    .filter((v) => v.spec['zone'] === zone && !v.deletionRequested)
    .some((v) => {
      const st = ctx.getStatus({ kind: 'VNet', name: v.name });
      return !st?.ready || st.observedGeneration < v.generation;
    });
}

export const zoneOps: SdnKindOps<SdnZoneSpec> = {
  resourceType: 'sdn-zone',
  itemsOf: (o) => [zoneItem(o)],
  zoneOf: (o) => o.name,
  // A vlan zone on a bridge pxr manages waits for it (the nodes' reload would fail without it).
  waitingOf(o, _world, ctx) {
    if (o.spec.type !== 'vlan' || o.spec.bridge === undefined) return undefined;
    const waiting = ctx
      .list('Bridge')
      .filter((b) => b.spec['iface'] === o.spec.bridge && !b.deletionRequested)
      .find((b) => !ctx.getStatus({ kind: 'Bridge', name: b.name })?.ready);
    return waiting
      ? `waiting for Bridge/${waiting.name} (${o.spec.bridge}) to be Ready`
      : undefined;
  },
  async inUse(_pve, o, world) {
    for (const v of [...world.vnets.values()].sort((a, b) => a.id.localeCompare(b.id))) {
      if (v.edited?.['zone'] === o.name) return `zone ${o.name} is used by vnet ${v.id}`;
    }
    return undefined;
  },
  // A zone staged for its VNets applies by itself once it waited too long (`since` is then
  // -Infinity): a VNet that cannot go live must not hold its zone back forever.
  stageOnly: (ctx, changed, since) =>
    changed.every((o) => since(o) !== -Infinity && vnetsWaiting(ctx, o.name)),
};
