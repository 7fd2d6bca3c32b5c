/** One container. See FACTS §5. */
export interface LxcState {
  vmid: number;
  /** The config as Proxmox stores it (key -> printed value), including `lock` when locked. */
  config: Record<string, string | number>;
  /** `[pending]` section: key -> value; deletions listed in `delete`. */
  pending: Record<string, string | number>;
  pendingDelete: string[];
  status: 'running' | 'stopped';
  /** Sim-clock ms when it last started (uptime). */
  startedAt?: number;
  /** Simulated process id while running. */
  pid?: number;
  /** DHCP leases per interface (net0 -> ip) while running. */
  leases?: Record<string, string>;
}
