/**
 * A VM's life on the simulated host: `vm_start` (pending changes applied, bridges checked,
 * cloud-init drive regenerated), `vm_stop`, and what the guest agent reports (its interfaces with
 * the static address of the NIC's `ipconfigN` or a lease from the segment's DHCP pool).
 */
import { die, type SimContext } from '../types.js';
import type { NodeState } from '../state.js';
import type { QemuState } from './state.js';
import { dhcpPool, linkLocal } from '../lxc/runtime.js';
import { isBridgeUp } from '../network/node-network.js';
import { applyPending, isCloudinitOption } from './update.js';
import { ops, vmsOf } from './guests.js';
import { isCloudinitDrive, isDriveKey, parseDrive, parseNet, splitProps } from './props.js';

export const DURATION_MS = {
  qmcreate: 4000,
  qmstart: 2000,
  qmstop: 1000,
  qmshutdown: 4000,
  qmreboot: 6000,
  qmdestroy: 2000,
  qmclone: 5000,
  qmtemplate: 1500,
  qmconfig: 500,
  resize: 1500,
} as const;

/** How long after `qmstart` the guest agent inside answers (the OS must boot first). */
export const AGENT_BOOT_MS = 20_000;

export function hasCloudinitDrive(conf: Record<string, string | number>): boolean {
  return Object.entries(conf).some(([k, v]) => {
    if (!isDriveKey(k)) return false;
    try {
      return isCloudinitDrive(parseDrive(k, String(v)));
    } catch {
      return false;
    }
  });
}

/** The cloud-init values of a config (what the drive is generated from). */
export function cloudinitValues(
  conf: Record<string, string | number>,
): Record<string, string | number> {
  const res: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(conf)) if (isCloudinitOption(k)) res[k] = v;
  return res;
}

/** `vmconfig_update_cloudinit_drive` / the start's `generate_cloudinitconfig`. */
export function regenerateCloudinit(vm: QemuState): void {
  if (hasCloudinitDrive(vm.config)) vm.ciGenerated = cloudinitValues(vm.config);
}

function nicBridges(vm: QemuState): string[] {
  const res: string[] = [];
  for (const [k, v] of Object.entries(vm.config)) {
    if (!/^net\d+$/.test(k)) continue;
    const bridge = splitProps(String(v).replace(/^[^,=]+=[^,]*,?/, '')).props.bridge;
    if (bridge !== undefined) res.push(bridge);
  }
  return res;
}

/** `vm_start`: returns the number of warnings (pending changes that failed to apply). */
export function startVm(
  sim: SimContext,
  node: NodeState,
  vm: QemuState,
  log: (line: string) => void,
): number {
  if (vm.config.template) die("you can't start a vm if it's a template");
  if (vm.status === 'running') die(`VM ${vm.vmid} already running`);
  let warnings = 0;
  if (Object.keys(vm.pending).length > 0 || vm.pendingDelete.length > 0) {
    const errors: Record<string, string> = {};
    applyPending(vm, undefined, ops(sim, node), errors);
    for (const msg of Object.values(errors)) {
      log(msg);
      warnings++;
    }
  }
  // The tap's ifup script (PVE::Network::tap_plug) fails, so QEMU does not come up.
  for (const bridge of nicBridges(vm)) {
    if (isBridgeUp(node.network, bridge)) continue;
    log(`bridge '${bridge}' does not exist`);
    log(
      `kvm: -netdev type=tap,id=net0,ifname=tap${vm.vmid}i0: network script /usr/libexec/qemu-server/pve-bridge failed with status 512`,
    );
    die('start failed: QEMU exited with code 1');
  }
  if (hasCloudinitDrive(vm.config)) {
    log('generating cloud-init ISO');
    regenerateCloudinit(vm);
  }
  vm.status = 'running';
  vm.startedAt = sim.clock.now();
  vm.pid = sim.state.nextPid++;
  vm.leases = {};
  return warnings;
}

export function stopVm(vm: QemuState): void {
  vm.status = 'stopped';
  delete vm.startedAt;
  delete vm.pid;
  delete vm.leases;
}

/** `agent: 1`, `enabled=1,fstrim_cloned_disks=1`, ... */
export function agentEnabled(conf: Record<string, string | number>): boolean {
  if (conf.agent === undefined) return false;
  const { bare, props } = splitProps(String(conf.agent));
  return /^(1|on|yes|true)$/i.test(bare ?? props.enabled ?? '0');
}

/** Whether the agent answers `guest-ping` (enabled at start, VM running, OS booted). */
export function agentRunning(vm: QemuState, now: number): boolean {
  return (
    vm.status === 'running' &&
    agentEnabled(vm.config) &&
    vm.startedAt !== undefined &&
    now - vm.startedAt >= AGENT_BOOT_MS
  );
}

interface NicInfo {
  id: number;
  mac: string;
  bridge?: string;
  tag?: number;
  linkDown: boolean;
  ip?: string;
  ip6?: string;
}

function nics(vm: QemuState): NicInfo[] {
  const res: NicInfo[] = [];
  for (const [k, v] of Object.entries(vm.config)) {
    const m = /^net(\d+)$/.exec(k);
    if (!m) continue;
    const net = parseNet(k, String(v), () => 0);
    const ipc = vm.config[`ipconfig${m[1]}`];
    const ip = ipc === undefined ? undefined : splitProps(String(ipc)).props;
    res.push({
      id: Number(m[1]),
      mac: net.macaddr.toLowerCase(),
      ...(net.props.bridge !== undefined ? { bridge: net.props.bridge } : {}),
      ...(net.props.tag !== undefined ? { tag: Number(net.props.tag) } : {}),
      linkDown: net.props.link_down === '1',
      ...(ip?.ip !== undefined ? { ip: ip.ip } : {}),
      ...(ip?.ip6 !== undefined ? { ip6: ip.ip6 } : {}),
    });
  }
  return res.sort((a, b) => a.id - b.id);
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** A DHCP lease for a NIC without a static address, kept while the MAC and segment stay. */
function lease(node: NodeState, vm: QemuState, nic: NicInfo): string | undefined {
  if (nic.bridge === undefined || nic.linkDown) return undefined;
  const key = `net${nic.id}`;
  const old = vm.leases?.[key];
  if (old && old.hwaddr === nic.mac && old.bridge === nic.bridge && old.tag === nic.tag)
    return old.cidr;
  const pool = dhcpPool(node, nic.bridge, nic.tag);
  const taken = new Set<string>();
  for (const other of Object.values(vmsOf(node)))
    for (const l of Object.values(other.leases ?? {})) taken.add(l.cidr);
  for (const ct of Object.values(node.lxc))
    for (const l of Object.values(ct.leases ?? {})) taken.add(l.cidr);
  const seed = parseInt(nic.mac.replace(/:/g, '').slice(-4) || '0', 16);
  for (let i = 0; i < 150; i++) {
    const cidr = `${intToIp(pool.base + 100 + ((seed + i) % 150))}/${pool.prefix}`;
    if (taken.has(cidr)) continue;
    vm.leases ??= {};
    vm.leases[key] = {
      hwaddr: nic.mac,
      bridge: nic.bridge,
      ...(nic.tag !== undefined ? { tag: nic.tag } : {}),
      cidr,
    };
    return cidr;
  }
  return undefined;
}

type AgentAddr = { 'ip-address': string; 'ip-address-type': 'ipv4' | 'ipv6'; prefix: number };

function addr(cidr: string, type: 'ipv4' | 'ipv6'): AgentAddr | undefined {
  const m = /^([^/]+)\/(\d+)$/.exec(cidr);
  return m?.[1] && m[2]
    ? { 'ip-address': m[1], 'ip-address-type': type, prefix: Number(m[2]) }
    : undefined;
}

/** `guest-network-get-interfaces` as the agent inside a cloud-init Linux guest answers it. */
export function agentInterfaces(node: NodeState, vm: QemuState): Record<string, unknown>[] {
  const stats = (up: number): Record<string, number> => ({
    'rx-bytes': up * 1500,
    'rx-dropped': 0,
    'rx-errs': 0,
    'rx-packets': up * 3,
    'tx-bytes': up * 900,
    'tx-dropped': 0,
    'tx-errs': 0,
    'tx-packets': up * 2,
  });
  const res: Record<string, unknown>[] = [
    {
      name: 'lo',
      'hardware-address': '00:00:00:00:00:00',
      'ip-addresses': [
        { 'ip-address': '127.0.0.1', 'ip-address-type': 'ipv4', prefix: 8 },
        { 'ip-address': '::1', 'ip-address-type': 'ipv6', prefix: 128 },
      ],
      statistics: stats(0),
    },
  ];
  for (const nic of nics(vm)) {
    const addrs: AgentAddr[] = [];
    if (!nic.linkDown) {
      const v4 = nic.ip === undefined || nic.ip === 'dhcp' ? lease(node, vm, nic) : nic.ip;
      const a4 = v4 ? addr(v4, 'ipv4') : undefined;
      if (a4) addrs.push(a4);
      const a6 = nic.ip6?.includes('/') ? addr(nic.ip6, 'ipv6') : undefined;
      if (a6) addrs.push(a6);
      addrs.push({ 'ip-address': linkLocal(nic.mac), 'ip-address-type': 'ipv6', prefix: 64 });
    }
    res.push({
      name: `eth${nic.id}`,
      'hardware-address': nic.mac,
      'ip-addresses': addrs,
      statistics: stats(10),
    });
  }
  return res;
}
