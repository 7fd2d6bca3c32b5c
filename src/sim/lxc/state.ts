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
  /**
   * Inside the container, as far as pxr's simulated appliance reaches it
   * (src/appliance/transport/simulated.ts); absent until first reached.
   */
  guest?: GuestState;
}

/** One chain of a container's `inet pxr` nftables table, as `nft list` shows it. */
export interface GuestNftChain {
  name: string;
  type: 'filter' | 'nat';
  hook: 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';
  priority: number;
  policy: 'accept' | 'drop';
  rules: string[];
}

/**
 * What a container holds inside: the files of its root filesystem, and what only lives while it
 * runs (processes, the network namespace's sysctls and nftables table, Caddy's loaded config).
 * Saved with the cluster, so a restarted `pxr run --sim` finds the appliance as it left it.
 */
export interface GuestState {
  /** Absolute path -> content. `/proc` and `/run` (tmpfs) are emptied when the container stops. */
  files: Record<string, string>;
  /** Mode and `user:group` of files written with them (a certificate's key file); absent: 0644 root. */
  fileMeta?: Record<string, { mode: number; owner: string }>;
  /** Running processes: pid -> command name. */
  procs: Record<string, string>;
  nextPid: number;
  sysctl: Record<string, string>;
  /** The chains of the `inet pxr` table; absent when there is no such table. */
  nft?: GuestNftChain[];
  /** Caddy: where its admin API listens, and the config it runs (null before the first /load). */
  caddy: { adminListen: string; config: Record<string, unknown> | null };
}
