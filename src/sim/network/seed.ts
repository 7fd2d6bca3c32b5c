/**
 * A freshly installed node: four NICs, `vmbr0` on `eno1` carrying the node's address and the default
 * gateway — what the Proxmox installer writes. Built through render → parse so the records have
 * exactly the read form (priorities, string values) of later edits.
 */
import type { NetIfaces, NodeNetworkState } from './state.js';
import { parseInterfaces } from './interfaces-parse.js';
import { writeInterfaces } from './interfaces-render.js';

export interface SeedNodeNetworkOptions {
  node: string;
  /** The node's address on vmbr0, e.g. `192.168.100.11`. */
  ip: string;
  cidrBits: number;
  gateway: string;
  /** File mtime (ms since the epoch); defaults to 0, before any pxr run. */
  nowMs?: number;
}

export const SEED_NICS = ['eno1', 'eno2', 'eno3', 'eno4'] as const;

export function seedNodeNetwork(opts: SeedNodeNetworkOptions): NodeNetworkState {
  const physical = [...SEED_NICS];
  const base = { method6: 'manual', families: ['inet'] };
  const config: NetIfaces = {
    lo: { ...base, iface: 'lo', type: 'loopback', method: 'loopback', autostart: 1, priority: 1 },
  };
  physical.forEach((nic, i) => {
    config[nic] = { ...base, iface: nic, type: 'eth', method: 'manual', priority: 2 + i };
  });
  config.vmbr0 = {
    ...base,
    iface: 'vmbr0',
    type: 'bridge',
    method: 'static',
    priority: 10,
    autostart: 1,
    address: opts.ip,
    netmask: String(opts.cidrBits),
    gateway: opts.gateway,
    bridge_ports: 'eno1',
    bridge_stp: 'off',
    bridge_fd: '0',
  };
  return {
    active: parseInterfaces(writeInterfaces(config), physical),
    pending: null,
    physical,
    up: ['eno1', 'eno2', 'eno3', 'eno4', 'lo', 'vmbr0'],
    activeMtime: opts.nowMs ?? 0,
  };
}
