/**
 * The narrow Proxmox interface pxr needs, typed by hand from the official schema (9.1.3). Kinds
 * depend on this interface only; `createPveClient` is its one implementation over `proxmox-api`.
 */

/** Booleans on the wire are 0/1 (FACTS §3). */
export type PveBool = 0 | 1;

export interface PveVersion {
  version: string;
  release: string;
  repoid: string;
  [key: string]: unknown;
}

export interface PveNode {
  node: string;
  status: 'online' | 'offline' | 'unknown';
  [key: string]: unknown;
}

export interface PveResource {
  /** `lxc/100`, `node/pve`, `storage/pve/local` */
  id: string;
  type: string;
  node?: string;
  vmid?: number;
  status?: string;
  name?: string;
  [key: string]: unknown;
}

/** One item of `GET /nodes/{node}/network` (pending view when `interfaces.new` exists). */
export interface NetworkIface {
  iface: string;
  type: string;
  method?: string;
  method6?: string;
  families?: string[];
  priority?: number;
  autostart?: PveBool;
  active?: PveBool;
  exists?: PveBool;
  address?: string;
  netmask?: string;
  cidr?: string;
  gateway?: string;
  bridge_ports?: string;
  bridge_stp?: string;
  bridge_fd?: string;
  bridge_vlan_aware?: PveBool;
  bridge_vids?: string;
  comments?: string;
  /** Read back from the file as a string (`"9000"`), sent as an integer. */
  mtu?: number | string;
  /** VLAN interfaces: the interface it tags and the tag (read back as a string). */
  'vlan-raw-device'?: string;
  'vlan-id'?: number | string;
  [key: string]: unknown;
}

export interface NetworkList {
  ifaces: NetworkIface[];
  /** Unified diff of `interfaces` vs `interfaces.new` — present only when changes are staged. */
  changes?: string;
}

/** Parameters of POST/PUT `/nodes/{node}/network[/{iface}]` that pxr uses. */
export interface NetworkParams {
  type: string;
  autostart?: PveBool;
  bridge_ports?: string;
  bridge_vlan_aware?: PveBool;
  bridge_vids?: string;
  cidr?: string;
  gateway?: string;
  comments?: string;
  mtu?: number;
  'vlan-raw-device'?: string;
  'vlan-id'?: number;
  /** PUT only: comma-separated keys to remove. */
  delete?: string;
}

export interface TaskStatus {
  upid: string;
  node: string;
  type: string;
  id: string;
  user: string;
  status: 'running' | 'stopped';
  /** Only when stopped: `OK`, `WARNINGS: n` or the error text. */
  exitstatus?: string;
  starttime: number;
  [key: string]: unknown;
}

export interface TaskListEntry {
  upid: string;
  node: string;
  type: string;
  id?: string;
  user: string;
  starttime: number;
  /** Absent while running; the exitstatus once ended. */
  status?: string;
  [key: string]: unknown;
}

export interface TaskLogLine {
  n: number;
  t: string;
}

/** Per route template (`GET /nodes/{node}/network`): request count, errors and time spent. */
export interface CallStats {
  count: number;
  errors: number;
  totalMs: number;
  maxMs: number;
}

/** One finished Proxmox API request (595/596: the pveproxy-style status of a network failure). */
export interface CallObservation {
  method: string;
  /** Route template: `/nodes/{node}/network`. */
  route: string;
  status: number;
  seconds: number;
}

export type Params = Record<string, string | number | boolean | string[] | undefined>;

export interface PveClient {
  version(): Promise<PveVersion>;
  nodes(): Promise<PveNode[]>;
  clusterResources(type?: 'vm' | 'storage' | 'node' | 'sdn'): Promise<PveResource[]>;
  /** Next free VMID (the wire sends a string; this is a number). */
  nextId(): Promise<number>;
  listNetwork(node: string): Promise<NetworkList>;
  getNetwork(node: string, iface: string): Promise<NetworkIface>;
  createNetwork(node: string, iface: string, params: NetworkParams): Promise<void>;
  updateNetwork(node: string, iface: string, params: NetworkParams): Promise<void>;
  deleteNetwork(node: string, iface: string): Promise<void>;
  /** Applies staged changes (`PUT /network`, ifreload); returns the task's UPID. */
  applyNetwork(node: string): Promise<string>;
  /** Discards staged changes (`DELETE /network`). */
  revertNetwork(node: string): Promise<void>;
  taskStatus(node: string, upid: string): Promise<TaskStatus>;
  /** `GET /nodes/{node}/tasks`; `source: 'active'` lists running tasks only. */
  listTasks(
    node: string,
    opts?: { source?: 'archive' | 'active' | 'all'; typefilter?: string },
  ): Promise<TaskListEntry[]>;
  taskLog(
    node: string,
    upid: string,
    opts?: { start?: number; limit?: number },
  ): Promise<TaskLogLine[]>;
  /** Generic calls for kinds not covered above; `path` is below `/api2/json`. */
  get<T = unknown>(path: string, params?: Params): Promise<T>;
  post<T = unknown>(path: string, params?: Params): Promise<T>;
  put<T = unknown>(path: string, params?: Params): Promise<T>;
  del<T = unknown>(path: string, params?: Params): Promise<T>;
  /** Counts by `METHOD /route/{template}` since the client was created. */
  calls(): Record<string, CallStats>;
  /** Calls `listener` after every request (for latency histograms); returns the unsubscribe function. */
  onCall?(listener: (call: CallObservation) => void): () => void;
  /** Closes pooled connections. */
  close(): Promise<void>;
}
