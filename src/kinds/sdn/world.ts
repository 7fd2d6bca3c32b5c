/**
 * The SDN config as pxr reads it: one `?pending=1` read of zones, vnets and each vnet's subnets,
 * which shows every object's RUNNING values with what the edited config changes (`pending`,
 * `state`). From it: the running section, the edited section, and whether anything is pending.
 */
import { apiPath } from '../../pve/route.js';
import type { PveClient } from '../../pve/types.js';

export type Section = Record<string, unknown>;

export interface SdnEntry {
  id: string;
  /** The live (running) section; undefined when the object only exists in the edited config. */
  running?: Section;
  /** The edited section (what an apply makes running); undefined when deleted there. */
  edited?: Section;
  /** new / changed / deleted when the edited config differs; undefined when in sync. */
  state?: string;
}

export interface SdnWorld {
  zones: Map<string, SdnEntry>;
  vnets: Map<string, SdnEntry>;
  /** Subnets by id (`<zone>-<network>-<mask>`). */
  subnets: Map<string, SdnEntry>;
}

/** Keys a read adds that are no setting of the section. */
const READ_ONLY = new Set([
  'digest',
  'pending',
  'state',
  'zone',
  'vnet',
  'id',
  'subnet',
  'network',
  'mask',
  'cidr',
]);

function entryOf(id: string, raw: Section, keep: string[] = []): SdnEntry {
  const base: Section = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!READ_ONLY.has(k) || keep.includes(k)) base[k] = v;
  }
  const pending = (raw['pending'] ?? {}) as Section;
  const state = typeof raw['state'] === 'string' ? raw['state'] : undefined;
  const out: SdnEntry = { id };
  if (state !== undefined) out.state = state;
  if (state !== 'new') out.running = base;
  if (state !== 'deleted') {
    const edited: Section = { ...(state === 'new' ? pickKept(base, keep) : base) };
    for (const [k, v] of Object.entries(pending)) {
      if (v === 'deleted') delete edited[k];
      else edited[k] = v;
    }
    out.edited = edited;
  }
  return out;
}

function pickKept(base: Section, keep: string[]): Section {
  const out: Section = {};
  for (const k of ['type', ...keep]) if (base[k] !== undefined) out[k] = base[k];
  return out;
}

export async function readSdnWorld(pve: PveClient): Promise<SdnWorld> {
  const p = { pending: 1 };
  const [zones, vnets] = await Promise.all([
    pve.get<Section[]>('/cluster/sdn/zones', p),
    pve.get<Section[]>('/cluster/sdn/vnets', p),
  ]);
  const world: SdnWorld = { zones: new Map(), vnets: new Map(), subnets: new Map() };
  for (const z of zones) world.zones.set(String(z['zone']), entryOf(String(z['zone']), z));
  for (const v of vnets) {
    world.vnets.set(String(v['vnet']), entryOf(String(v['vnet']), v, ['zone']));
  }
  for (const [vnet, e] of world.vnets) {
    // A vnet deleted in the edited config has no subnets to list (Proxmox answers 500 there).
    if (!e.edited) continue;
    const subs = await pve.get<Section[]>(
      apiPath('/cluster/sdn/vnets/{vnet}/subnets', { vnet }),
      p,
    );
    for (const s of subs) {
      const id = String(s['subnet'] ?? s['id']);
      world.subnets.set(id, entryOf(id, s, ['vnet']));
    }
  }
  return world;
}

/** Every entry with a pending change, as `kind id (state)` lines. */
export function pendingEntries(world: SdnWorld): { kind: string; id: string; state: string }[] {
  const out: { kind: string; id: string; state: string }[] = [];
  for (const [kind, map] of [
    ['zone', world.zones],
    ['vnet', world.vnets],
    ['subnet', world.subnets],
  ] as const) {
    for (const e of map.values())
      if (e.state !== undefined) out.push({ kind, id: e.id, state: e.state });
  }
  return out;
}
