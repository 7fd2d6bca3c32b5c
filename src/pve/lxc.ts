/**
 * Typed LXC calls over the generic {@link PveClient} methods (FACTS §5, §9, §10). Functions rather
 * than client methods so that the client's interface stays small; errors come out of the client
 * already translated (`PveApiError` with a stable `code`).
 */
import { apiPath } from './route.js';
import type { Params, PveClient } from './types.js';

/** One item of `GET /lxc/{vmid}/pending`: the applied value, the pending one, a pending delete. */
export interface LxcPendingItem {
  key: string;
  value?: string | number;
  pending?: string | number;
  delete?: number;
}

/** The config file in one read: applied values, pending-merged values, pending keys, digest. */
export interface LxcConfigRead {
  current: Record<string, string | number>;
  /** What the config will be once pending changes apply (what `GET /config` returns). */
  effective: Record<string, string | number>;
  /** Keys with a pending value or a pending deletion. */
  pendingKeys: string[];
  digest: string;
}

export interface LxcInterface {
  name: string;
  hwaddr?: string;
  inet?: string;
  inet6?: string;
  'ip-addresses'?: { 'ip-address': string; 'ip-address-type': string; prefix: number }[];
}

export interface LxcStatus {
  vmid: number;
  status: 'running' | 'stopped';
  name?: string;
  lock?: string;
  uptime?: number;
  [key: string]: unknown;
}

export interface StorageVolume {
  volid: string;
  content: string;
  format?: string;
  size?: number;
}

const ct = (node: string, vmid: number, rest = ''): string =>
  apiPath(`/nodes/{node}/lxc/{vmid}${rest}`, { node, vmid });

/**
 * `GET /pending` folded into applied + effective views. One call gives everything a comparison
 * needs (and the digest), where `GET /config` would hide what is still pending.
 */
export async function lxcReadConfig(
  pve: PveClient,
  node: string,
  vmid: number,
): Promise<LxcConfigRead> {
  const items = await pve.get<LxcPendingItem[]>(ct(node, vmid, '/pending'));
  return foldPending(items ?? []);
}

export function foldPending(items: readonly LxcPendingItem[]): LxcConfigRead {
  const current: Record<string, string | number> = {};
  const effective: Record<string, string | number> = {};
  const pendingKeys: string[] = [];
  let digest = '';
  for (const it of items) {
    if (it.key === 'digest') {
      digest = String(it.value ?? '');
      continue;
    }
    if (it.value !== undefined) current[it.key] = it.value;
    if (it.pending !== undefined) effective[it.key] = it.pending;
    else if (it.value !== undefined && it.delete !== 1) effective[it.key] = it.value;
    if (it.pending !== undefined || it.delete === 1) pendingKeys.push(it.key);
  }
  return { current, effective, pendingKeys: pendingKeys.sort(), digest };
}

export function lxcStatus(pve: PveClient, node: string, vmid: number): Promise<LxcStatus> {
  return pve.get<LxcStatus>(ct(node, vmid, '/status/current'));
}

/** `POST /nodes/{node}/lxc` -> UPID of the `vzcreate` task. */
export function lxcCreate(pve: PveClient, node: string, params: Params): Promise<string> {
  return pve.post<string>(apiPath('/nodes/{node}/lxc', { node }), params);
}

/** `PUT /config` (synchronous). `digest` makes it fail if the file changed since the read. */
export async function lxcUpdateConfig(
  pve: PveClient,
  node: string,
  vmid: number,
  params: Params,
): Promise<void> {
  await pve.put(ct(node, vmid, '/config'), params);
}

/** `PUT /resize` -> UPID (absolute size, e.g. `12G`). */
export function lxcResize(
  pve: PveClient,
  node: string,
  vmid: number,
  disk: string,
  size: string,
  digest?: string,
): Promise<string> {
  return pve.put<string>(ct(node, vmid, '/resize'), {
    disk,
    size,
    ...(digest ? { digest } : {}),
  });
}

export type PowerAction = 'start' | 'stop' | 'shutdown' | 'reboot';

/** `POST /status/<action>` -> UPID. */
export function lxcPower(
  pve: PveClient,
  node: string,
  vmid: number,
  action: PowerAction,
  params?: Params,
): Promise<string> {
  return pve.post<string>(ct(node, vmid, `/status/${action}`), params);
}

/** `DELETE /lxc/{vmid}` -> UPID of `vzdestroy`. */
export function lxcDestroy(
  pve: PveClient,
  node: string,
  vmid: number,
  opts: { purge?: boolean; destroyUnreferencedDisks?: boolean } = {},
): Promise<string> {
  const params: Params = {};
  if (opts.purge) params['purge'] = 1;
  if (opts.destroyUnreferencedDisks) params['destroy-unreferenced-disks'] = 1;
  return pve.del<string>(ct(node, vmid), params);
}

/** `GET /interfaces`: null while the container is stopped. */
export async function lxcInterfaces(
  pve: PveClient,
  node: string,
  vmid: number,
): Promise<LxcInterface[] | null> {
  return (await pve.get<LxcInterface[] | null>(ct(node, vmid, '/interfaces'))) ?? null;
}

/** `GET /nodes/{node}/storage/{storage}/content?content=...`. */
export function storageContent(
  pve: PveClient,
  node: string,
  storage: string,
  content?: string,
): Promise<StorageVolume[]> {
  return pve.get<StorageVolume[]>(
    apiPath('/nodes/{node}/storage/{storage}/content', { node, storage }),
    content ? { content } : undefined,
  );
}
