/** Finding and guarding VMs, and what a VM looks like from the host (`vmstatus`). */
import { die, type RequestContext, type SimContext } from '../types.js';
import type { NodeState } from '../state.js';
import type { QemuState } from './state.js';
import { isNodeOnline } from '../cluster/info.js';
import { splitVolid } from '../lxc/volumes.js';
import { isCdrom, isCloudinitDrive, isDriveKey, parseDrive } from './props.js';
import { parseSize } from '../lxc/property-string.js';
import { isBridgeUp } from '../network/node-network.js';
import { vmOps, type VmOps } from './update.js';

const MiB = 1024 ** 2;

/** `load_config`: the VM or 500 `Configuration file 'nodes/pve/qemu-server/100.conf' does not exist`. */
export function loadVm(node: NodeState, vmid: number): QemuState {
  const vm = vmsOf(node)[String(vmid)];
  if (!vm) die(`Configuration file 'nodes/${node.name}/qemu-server/${vmid}.conf' does not exist`);
  return vm;
}

export function requestVm(ctx: RequestContext): { node: NodeState; vm: QemuState; vmid: number } {
  const node = ctx.sim.node(String(ctx.params.node));
  const vmid = Number(ctx.params.vmid);
  return { node, vm: loadVm(node, vmid), vmid };
}

/** `check_lock`: 500 `VM is locked (create)`. */
export function checkVmLock(vm: QemuState): void {
  const lock = vm.config.lock;
  if (lock !== undefined && lock !== '') die(`VM is locked (${lock})`);
}

/** qemu-server's flock of `/var/lock/qemu-server/lock-<vmid>.conf` (simulated contention). */
export function takeVmFlock(sim: SimContext, vmid: number): void {
  if (sim.faults.lockContention(vmid))
    die(`can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`);
}

export function ops(sim: SimContext, node: NodeState): VmOps {
  return vmOps(
    node,
    () => sim.random(),
    (b) => isBridgeUp(node.network, b),
  );
}

/** The VMs of a node (state files from before the qemu simulation have none). */
export function vmsOf(node: NodeState): Record<string, QemuState> {
  const vms = (node.qemu ??= {});
  for (const [id, vm] of Object.entries(vms)) {
    // State files from before the qemu simulation held `{ vmid, name, status }` only.
    if ((vm as Partial<QemuState>).config !== undefined) continue;
    const old = vm as unknown as { vmid: number; name?: string; status?: 'running' | 'stopped' };
    vms[id] = {
      vmid: old.vmid,
      config: old.name !== undefined ? { name: old.name } : {},
      pending: {},
      pendingDelete: [],
      status: old.status ?? 'stopped',
    };
  }
  return vms;
}

/** Size in bytes of a drive (`size=` of its property string). */
export function driveBytes(text: string | number | undefined): number {
  if (text === undefined) return 0;
  const size = /(?:^|,)size=([^,]+)/.exec(String(text))?.[1];
  return size ? (parseSize(size) ?? 0) : 0;
}

/** The boot disk: the first disk of `boot: order=`, else the first non-cdrom drive. */
export function bootDisk(conf: Record<string, string | number>): string | undefined {
  const order = /order=([^,]+)/.exec(String(conf.boot ?? ''))?.[1]?.split(';') ?? [];
  const drives = [...order, ...driveKeys(conf)];
  return drives.find((k) => {
    if (!isDriveKey(k) || conf[k] === undefined) return false;
    try {
      const d = parseDrive(k, String(conf[k]));
      return !isCdrom(d) && !isCloudinitDrive(d);
    } catch {
      return false;
    }
  });
}

const PREFIX_ORDER = ['ide', 'sata', 'scsi', 'virtio', 'efidisk', 'tpmstate'];

/** Drive keys of a config in qemu-server's order (ide, sata, scsi, virtio, efidisk, tpmstate). */
export function driveKeys(conf: Record<string, string | number>): string[] {
  return Object.keys(conf)
    .filter(isDriveKey)
    .sort((a, b) => {
      const pa = PREFIX_ORDER.findIndex((p) => a.startsWith(p));
      const pb = PREFIX_ORDER.findIndex((p) => b.startsWith(p));
      return pa - pb || Number(/\d+$/.exec(a)?.[0]) - Number(/\d+$/.exec(b)?.[0]);
    });
}

/** Volumes a config references (drives, unusedN, pending included) that live on a storage. */
export function referencedVmVolumes(vm: QemuState): string[] {
  const res = new Set<string>();
  for (const section of [vm.config, vm.pending]) {
    for (const [key, value] of Object.entries(section)) {
      if (!isDriveKey(key) && !/^unused\d+$/.test(key)) continue;
      const file = String(value).split(',')[0] ?? '';
      if (splitVolid(file) && !/^(none|cdrom)$/.test(file)) res.add(file);
    }
  }
  return [...res];
}

export function vmName(vm: QemuState): string {
  return typeof vm.config.name === 'string' ? vm.config.name : `VM${vm.vmid}`;
}

function memoryMiB(conf: Record<string, string | number>): number {
  const m = String(conf.memory ?? '2048');
  const cur = /^(?:current=)?(\d+)/.exec(m)?.[1];
  return cur ? Number(cur) : 2048;
}

/** `PVE::QemuServer::vmstatus` for one VM; simulated usage grows with uptime. */
export function vmStatus(node: NodeState, vm: QemuState, now: number): Record<string, unknown> {
  const c = vm.config;
  const running = vm.status === 'running' && isNodeOnline(node);
  const cpus = (Number(c.sockets ?? 1) || 1) * (Number(c.cores ?? 1) || 1);
  const maxmem = memoryMiB(c) * MiB;
  const boot = bootDisk(c);
  const maxdisk = boot ? driveBytes(c[boot]) : 0;
  const uptime =
    running && vm.startedAt !== undefined ? Math.floor((now - vm.startedAt) / 1000) : 0;
  const d: Record<string, unknown> = {
    vmid: vm.vmid,
    status: running ? 'running' : 'stopped',
    name: vmName(vm),
    cpus: Number(c.vcpus ?? 0) || cpus,
    maxmem,
    maxdisk,
    disk: 0,
    mem: running ? Math.floor(maxmem * 0.3) : 0,
    uptime,
    cpu: running ? 0.01 : 0,
    netin: running ? uptime * 1500 : 0,
    netout: running ? uptime * 900 : 0,
    diskread: running ? 120 * MiB : 0,
    diskwrite: running ? uptime * 8192 : 0,
  };
  if (running && vm.pid !== undefined) d.pid = vm.pid;
  if (c.tags !== undefined) d.tags = c.tags;
  if (c.template) d.template = 1;
  if (c.lock !== undefined && c.lock !== '') d.lock = c.lock;
  if (c.serial0 !== undefined) d.serial = 1;
  return d;
}
