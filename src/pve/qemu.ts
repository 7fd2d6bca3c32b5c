/**
 * Typed QEMU calls over the generic {@link PveClient} methods, as src/pve/lxc.ts does for
 * containers. Errors come out of the client already translated (`PveApiError` with a stable code).
 */
import { apiPath } from './route.js';
import type { Params, PveClient } from './types.js';
import { foldPending, type LxcConfigRead, type LxcPendingItem, type PowerAction } from './lxc.js';

/** The same file layout as a container's: applied, effective (pending merged), pending keys, digest. */
export type QemuConfigRead = LxcConfigRead;

export interface QemuStatus {
  vmid: number;
  status: 'running' | 'stopped';
  qmpstatus?: string;
  name?: string;
  lock?: string;
  /** 1 when the config enables the guest agent. */
  agent?: number;
  uptime?: number;
  [key: string]: unknown;
}

/** One item of `GET /cloudinit`: the value the drive was generated from and the pending one. */
export interface CloudinitItem {
  key: string;
  value?: string;
  pending?: string;
  delete?: number;
}

/** One interface as the guest agent reports it (`guest-network-get-interfaces`). */
export interface AgentInterface {
  name: string;
  'hardware-address'?: string;
  'ip-addresses'?: { 'ip-address': string; 'ip-address-type': 'ipv4' | 'ipv6'; prefix: number }[];
  [key: string]: unknown;
}

const vm = (node: string, vmid: number, rest = ''): string =>
  apiPath(`/nodes/{node}/qemu/{vmid}${rest}`, { node, vmid });

/** `POST /nodes/{node}/qemu` -> UPID of the `qmcreate` task. */
export function qemuCreate(pve: PveClient, node: string, params: Params): Promise<string> {
  return pve.post<string>(apiPath('/nodes/{node}/qemu', { node }), params);
}

/** `GET /pending` folded into applied + effective views, with the digest. */
export async function qemuReadConfig(
  pve: PveClient,
  node: string,
  vmid: number,
): Promise<QemuConfigRead> {
  const items = await pve.get<LxcPendingItem[]>(vm(node, vmid, '/pending'));
  return foldPending(items ?? []);
}

/** `PUT /config` (synchronous); `digest` makes it fail if the file changed since the read. */
export async function qemuUpdateConfig(
  pve: PveClient,
  node: string,
  vmid: number,
  params: Params,
): Promise<void> {
  await pve.put(vm(node, vmid, '/config'), params);
}

/** `POST /config` -> UPID of a `qmconfig` task (for changes that allocate disks). */
export function qemuUpdateConfigAsync(
  pve: PveClient,
  node: string,
  vmid: number,
  params: Params,
): Promise<string> {
  return pve.post<string>(vm(node, vmid, '/config'), params);
}

/** `PUT /resize` -> UPID (`+2G` grows by, `12G` grows to; shrinking fails the task). */
export function qemuResize(
  pve: PveClient,
  node: string,
  vmid: number,
  disk: string,
  size: string,
  digest?: string,
): Promise<string> {
  return pve.put<string>(vm(node, vmid, '/resize'), {
    disk,
    size,
    ...(digest ? { digest } : {}),
  });
}

/** `POST /status/<action>` -> UPID. */
export function qemuPower(
  pve: PveClient,
  node: string,
  vmid: number,
  action: PowerAction,
  params?: Params,
): Promise<string> {
  return pve.post<string>(vm(node, vmid, `/status/${action}`), params);
}

export function qemuStatus(pve: PveClient, node: string, vmid: number): Promise<QemuStatus> {
  return pve.get<QemuStatus>(vm(node, vmid, '/status/current'));
}

/** `GET /cloudinit`: what differs between the config and the generated drive. */
export async function qemuCloudinit(
  pve: PveClient,
  node: string,
  vmid: number,
): Promise<CloudinitItem[]> {
  return (await pve.get<CloudinitItem[]>(vm(node, vmid, '/cloudinit'))) ?? [];
}

/** `PUT /cloudinit`: regenerates the cloud-init drive from the current config. */
export async function qemuRegenerateCloudinit(
  pve: PveClient,
  node: string,
  vmid: number,
): Promise<void> {
  await pve.put(vm(node, vmid, '/cloudinit'));
}

/** `GET /cloudinit/dump?type=user|network|meta`. */
export function qemuCloudinitDump(
  pve: PveClient,
  node: string,
  vmid: number,
  type: 'user' | 'network' | 'meta',
): Promise<string> {
  return pve.get<string>(vm(node, vmid, '/cloudinit/dump'), { type });
}

/** `GET /agent/network-get-interfaces` (fails unless the agent is enabled, the VM runs and it answers). */
export async function qemuAgentInterfaces(
  pve: PveClient,
  node: string,
  vmid: number,
): Promise<AgentInterface[]> {
  const res = await pve.get<{ result?: AgentInterface[] }>(
    vm(node, vmid, '/agent/network-get-interfaces'),
  );
  return res?.result ?? [];
}

/** `POST /clone` -> UPID of `qmclone`. */
export function qemuClone(
  pve: PveClient,
  node: string,
  vmid: number,
  opts: {
    newid: number;
    name?: string;
    description?: string;
    full?: boolean;
    storage?: string;
    pool?: string;
  },
): Promise<string> {
  const params: Params = { newid: opts.newid };
  if (opts.name !== undefined) params['name'] = opts.name;
  if (opts.description !== undefined) params['description'] = opts.description;
  if (opts.full !== undefined) params['full'] = opts.full ? 1 : 0;
  if (opts.storage !== undefined) params['storage'] = opts.storage;
  if (opts.pool !== undefined) params['pool'] = opts.pool;
  return pve.post<string>(vm(node, vmid, '/clone'), params);
}

/** `POST /template` -> UPID of `qmtemplate`. */
export function qemuTemplate(pve: PveClient, node: string, vmid: number): Promise<string> {
  return pve.post<string>(vm(node, vmid, '/template'));
}

/** `DELETE /qemu/{vmid}` -> UPID of `qmdestroy`. */
export function qemuDestroy(
  pve: PveClient,
  node: string,
  vmid: number,
  opts: { purge?: boolean; destroyUnreferencedDisks?: boolean } = {},
): Promise<string> {
  const params: Params = {};
  if (opts.purge) params['purge'] = 1;
  if (opts.destroyUnreferencedDisks) params['destroy-unreferenced-disks'] = 1;
  return pve.del<string>(vm(node, vmid), params);
}

/** sshkeys must be URL-encoded like `encodeURIComponent` (Proxmox refuses `+` for spaces). */
export function encodeSshKeys(keys: string): string {
  return encodeURIComponent(keys);
}

/** `POST /nodes/{node}/storage/{storage}/download-url` -> UPID of the `download` task. */
export function storageDownloadUrl(
  pve: PveClient,
  node: string,
  storage: string,
  opts: { url: string; filename: string; content: 'import' | 'iso'; checksum?: string },
): Promise<string> {
  const params: Params = { url: opts.url, filename: opts.filename, content: opts.content };
  if (opts.checksum !== undefined) {
    const [algorithm, value] = opts.checksum.split(':');
    params['checksum-algorithm'] = algorithm ?? '';
    params['checksum'] = value ?? '';
  }
  return pve.post<string>(
    apiPath('/nodes/{node}/storage/{storage}/download-url', { node, storage }),
    params,
  );
}
