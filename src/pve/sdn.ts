/**
 * Typed SDN calls (`/cluster/sdn`, pve-network) over the generic {@link PveClient} methods.
 * Edits change the pending SDN config only; {@link sdnApply} makes it the running one.
 */
import { apiPath } from './route.js';
import type { Params, PveClient } from './types.js';

export type SdnState = 'new' | 'changed' | 'deleted';

export interface SdnZone {
  zone: string;
  type: 'simple' | 'vlan' | 'vxlan' | 'qinq' | 'evpn' | 'faucet';
  bridge?: string;
  peers?: string;
  mtu?: number;
  ipam?: string;
  dhcp?: 'dnsmasq';
  nodes?: string;
  digest?: string;
  /** With `pending: true`: how the edited config differs from the running one. */
  state?: SdnState;
  pending?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface SdnVnet {
  vnet: string;
  type: 'vnet';
  zone?: string;
  tag?: number;
  alias?: string;
  vlanaware?: number;
  'isolate-ports'?: number;
  digest?: string;
  state?: SdnState;
  pending?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Which config a read shows: the edited one (default), `pending` (diff), or `running`. */
export type SdnView = { pending?: boolean; running?: boolean };

const viewParams = (v: SdnView = {}): Params => ({
  ...(v.pending ? { pending: 1 } : {}),
  ...(v.running ? { running: 1 } : {}),
});

export function sdnListZones(pve: PveClient, view?: SdnView): Promise<SdnZone[]> {
  return pve.get<SdnZone[]>('/cluster/sdn/zones', viewParams(view));
}

export function sdnGetZone(pve: PveClient, zone: string, view?: SdnView): Promise<SdnZone> {
  return pve.get<SdnZone>(apiPath('/cluster/sdn/zones/{zone}', { zone }), viewParams(view));
}

export async function sdnCreateZone(pve: PveClient, params: Params): Promise<void> {
  await pve.post('/cluster/sdn/zones', params);
}

export async function sdnUpdateZone(pve: PveClient, zone: string, params: Params): Promise<void> {
  await pve.put(apiPath('/cluster/sdn/zones/{zone}', { zone }), params);
}

export async function sdnDeleteZone(
  pve: PveClient,
  zone: string,
  lockToken?: string,
): Promise<void> {
  await pve.del(
    apiPath('/cluster/sdn/zones/{zone}', { zone }),
    lockToken ? { 'lock-token': lockToken } : {},
  );
}

export function sdnListVnets(pve: PveClient, view?: SdnView): Promise<SdnVnet[]> {
  return pve.get<SdnVnet[]>('/cluster/sdn/vnets', viewParams(view));
}

export function sdnGetVnet(pve: PveClient, vnet: string, view?: SdnView): Promise<SdnVnet> {
  return pve.get<SdnVnet>(apiPath('/cluster/sdn/vnets/{vnet}', { vnet }), viewParams(view));
}

export async function sdnCreateVnet(pve: PveClient, params: Params): Promise<void> {
  await pve.post('/cluster/sdn/vnets', params);
}

export async function sdnUpdateVnet(pve: PveClient, vnet: string, params: Params): Promise<void> {
  await pve.put(apiPath('/cluster/sdn/vnets/{vnet}', { vnet }), params);
}

export async function sdnDeleteVnet(
  pve: PveClient,
  vnet: string,
  lockToken?: string,
): Promise<void> {
  await pve.del(
    apiPath('/cluster/sdn/vnets/{vnet}', { vnet }),
    lockToken ? { 'lock-token': lockToken } : {},
  );
}

/** `PUT /cluster/sdn`: commits the edited config as running; returns the `reloadnetworkall` UPID. */
export function sdnApply(pve: PveClient, lockToken?: string): Promise<string> {
  return pve.put<string>('/cluster/sdn', lockToken ? { 'lock-token': lockToken } : {});
}

/** `POST /cluster/sdn/lock` (PVE 9): the token every edit must then carry. */
export function sdnLock(pve: PveClient, allowPending = false): Promise<string> {
  return pve.post<string>('/cluster/sdn/lock', allowPending ? { 'allow-pending': 1 } : {});
}

export async function sdnUnlock(pve: PveClient, lockToken?: string, force = false): Promise<void> {
  await pve.del('/cluster/sdn/lock', {
    ...(lockToken ? { 'lock-token': lockToken } : {}),
    ...(force ? { force: 1 } : {}),
  });
}

/** `POST /cluster/sdn/rollback`: drops every pending change (the edited config = running). */
export async function sdnRollback(pve: PveClient, lockToken?: string): Promise<void> {
  await pve.post('/cluster/sdn/rollback', lockToken ? { 'lock-token': lockToken } : {});
}
