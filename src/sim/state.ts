/**
 * The whole simulated cluster as one JSON-serialisable value: `--state FILE` persists it, the
 * `/_sim/snapshot` control endpoint copies it. Each endpoint group owns its slice type.
 */
import type { NodeNetworkState } from './network/state.js';
import type { SdnState } from './sdn/state.js';
import type { LxcState } from './lxc/state.js';
import type { FirewallState, GuestFirewallState } from './firewall/state.js';
import type { NodeCertState } from './certs/state.js';
import type { TaskRecord } from './tasks-state.js';
import type { QemuState } from './qemu/state.js';

export interface StorageState {
  /** `local`, `local-lvm` */
  id: string;
  /** `dir`, `lvmthin` */
  plugintype: string;
  /** Content types, e.g. `['vztmpl', 'iso', 'backup']`. */
  content: string[];
  shared: 0 | 1;
  total: number;
  used: number;
  /** Volumes on this storage: volid -> entry (templates, container disks). */
  volumes: Record<
    string,
    { volid: string; content: string; format: string; size: number; ctime: number; vmid?: number }
  >;
}

export interface NodeState {
  name: string;
  /** The node's address (on vmbr0), e.g. `192.168.1.10`. */
  ip: string;
  online: boolean;
  /**
   * When true, requests for this node answer `595` (connection refused) and the node is offline
   * in `/nodes` and `/cluster/resources`; with `proxyStatus` 596 it stays a cluster member that is
   * online, but proxying to it fails the TLS handshake.
   */
  unreachable: boolean;
  proxyStatus?: 595 | 596;
  maxcpu: number;
  maxmem: number;
  startedAt: number;
  network: NodeNetworkState;
  /** vmid (as string) -> container */
  lxc: Record<string, LxcState>;
  /** vmid (as string) -> QEMU VM (absent in state files written before the qemu simulation). */
  qemu?: Record<string, QemuState>;
  /** vmid (as string) -> guest firewall (rules, options, ipsets, aliases) */
  guestFirewall: Record<string, GuestFirewallState>;
  storages: Record<string, StorageState>;
  certs: NodeCertState;
  /** Node-level firewall rules and options. */
  firewall: Pick<FirewallState, 'rules' | 'options'>;
}

export interface SimState {
  /** Bumped by migrations of the state file format. */
  version: 1;
  clusterName: string;
  nodes: Record<string, NodeState>;
  firewall: FirewallState;
  tasks: TaskRecord[];
  /** Counter used for simulated PIDs in UPIDs. */
  nextPid: number;
  /** Tokens: `root@pam!pxr` -> secret + privileges ('*' = all). */
  tokens: Record<string, { secret: string; privs: string[] }>;
  /** Users with passwords for ticket auth. */
  users: Record<string, { password: string }>;
  /** Datacenter `next-id` range. */
  nextId: { lower: number; upper: number };
  /** Seed and position of the deterministic random source. */
  rng: number;
  /** Resource pools of `user.cfg` (absent in state files written before pools existed). */
  pools?: Record<string, PoolState>;
  /** SDN zones/vnets/subnets, edited and running (absent until first used). */
  sdn?: SdnState;
}

export interface PoolState {
  comment?: string;
  /** Member guests, sorted. */
  vms: number[];
  /** Member storage ids, sorted. */
  storage: string[];
}
