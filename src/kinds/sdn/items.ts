/**
 * What an SdnZone or VNet object asks of the SDN config, as sections ("items"): a zone; a vnet and
 * its subnets. Each item knows its API paths, the settings pxr manages, and the spec name of each.
 */
import { apiPath } from '../../pve/route.js';
import type { Params, PveClient } from '../../pve/types.js';
import type { SdnWrite } from './batch.js';
import { diffSection } from './values.js';
import type { Section, SdnEntry } from './world.js';

export type ItemType = 'zone' | 'vnet' | 'subnet';

export interface SdnItem {
  type: ItemType;
  id: string;
  /** Spec path of the item (`''` for the object itself, `subnets[10.0.0.0/24]`). */
  field: string;
  desired: Section;
  /** Proxmox key → spec name, for every setting pxr manages on this item. */
  names: Readonly<Record<string, string>>;
  /** Subnets: their vnet and CIDR (the create parameter). */
  vnet?: string;
  cidr?: string;
}

export function itemPath(item: Pick<SdnItem, 'type' | 'id' | 'vnet'>): string {
  if (item.type === 'zone') return apiPath('/cluster/sdn/zones/{zone}', { zone: item.id });
  if (item.type === 'vnet') return apiPath('/cluster/sdn/vnets/{vnet}', { vnet: item.id });
  return apiPath('/cluster/sdn/vnets/{vnet}/subnets/{subnet}', {
    vnet: item.vnet ?? '',
    subnet: item.id,
  });
}

function collectionPath(item: SdnItem): string {
  if (item.type === 'zone') return '/cluster/sdn/zones';
  if (item.type === 'vnet') return '/cluster/sdn/vnets';
  return apiPath('/cluster/sdn/vnets/{vnet}/subnets', { vnet: item.vnet ?? '' });
}

function toParams(section: Section): Params {
  const out: Params = {};
  for (const [k, v] of Object.entries(section)) {
    if (v === undefined) continue;
    if (typeof v === 'boolean') out[k] = v ? 1 : 0;
    else if (Array.isArray(v)) out[k] = v.map(String);
    else out[k] = v as string | number;
  }
  return out;
}

const withToken = (p: Params, token: string | undefined): Params =>
  token ? { ...p, 'lock-token': token } : p;

/** Keys an update may not carry (set at create only). */
const CREATE_ONLY: Record<ItemType, string[]> = { zone: ['type'], vnet: [], subnet: [] };

/** The write that makes the edited config hold `item` (undefined when it already does). */
export function writeFor(item: SdnItem, entry: SdnEntry | undefined): SdnWrite | undefined {
  const keys = Object.keys(item.names);
  if (!entry?.edited) {
    const base: Section =
      item.type === 'zone'
        ? { zone: item.id }
        : item.type === 'vnet'
          ? { vnet: item.id, type: 'vnet' }
          : { subnet: item.cidr, type: 'subnet' };
    const params = toParams({ ...base, ...item.desired });
    const path = collectionPath(item);
    return {
      call: `POST ${path}`,
      run: async (pve: PveClient, token) => {
        await pve.post(path, withToken(params, token));
      },
    };
  }
  const changed = diffSection(item.desired, entry.edited, keys);
  if (changed.length === 0) return undefined;
  const fixed = changed.filter((c) => CREATE_ONLY[item.type].includes(c.key));
  if (fixed.length > 0) {
    throw new Error(
      `${item.type} ${item.id}: ${fixed.map((c) => item.names[c.key]).join(', ')} cannot change in place (remove the object, then create it again)`,
    );
  }
  const set: Section = {};
  const del: string[] = [];
  for (const c of changed) {
    if (c.desired === undefined) del.push(c.key);
    else set[c.key] = c.desired;
  }
  const params = toParams(set);
  if (del.length > 0) params['delete'] = del.join(',');
  const path = itemPath(item);
  return {
    call: `PUT ${path}`,
    run: async (pve: PveClient, token) => {
      await pve.put(path, withToken(params, token));
    },
  };
}

export function deleteWrite(item: Pick<SdnItem, 'type' | 'id' | 'vnet'>): SdnWrite {
  const path = itemPath(item);
  return {
    call: `DELETE ${path}`,
    run: async (pve: PveClient, token) => {
      await pve.del(path, token ? { 'lock-token': token } : {});
    },
  };
}
