/** One container. See FACTS §5. */
export interface LxcState {
  vmid: number;
  /**
   * The config as it reads back from `/etc/pve/lxc/<vmid>.conf` (key -> value): integers and
   * booleans as numbers, everything else as text, `lock` when locked.
   */
  config: Record<string, string | number>;
  /** `[pve:pending]` section: key -> value; deletions listed in `pendingDelete`. */
  pending: Record<string, string | number>;
  pendingDelete: string[];
  status: 'running' | 'stopped';
  /** Sim-clock ms when it last started (uptime). */
  startedAt?: number;
  /** Simulated process id while running. */
  pid?: number;
  /** DHCP leases per interface (net0 -> lease) while running; kept while MAC and segment (bridge and VLAN tag) stay. */
  leases?: Record<string, { hwaddr: string; bridge: string; tag?: number; cidr: string }>;

  /** Set by `status/suspend` (a checkpoint was written); `status/resume` restores from it. */
  suspended?: boolean;
  /**
   * `[snapname]` sections of the config: the copied config keys plus `snaptime`, `description`,
   * `parent` and, while a worker handles it, `snapstate` (`prepare`, `delete`).
   */
  snapshots?: Record<string, Record<string, string | number>>;
}
