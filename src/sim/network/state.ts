/** Host network of one node: the active file and the staged `interfaces.new`. See FACTS §4. */
export interface NetIface {
  iface: string;
  type: string;
  method: string;
  method6: string;
  families: string[];
  priority: number;
  autostart?: 0 | 1;
  active?: 0 | 1;
  exists?: 0 | 1;
  address?: string;
  netmask?: string;
  cidr?: string;
  gateway?: string;
  bridge_ports?: string;
  bridge_stp?: string;
  bridge_fd?: string;
  bridge_vlan_aware?: 0 | 1;
  bridge_vids?: string;
  comments?: string;
  mtu?: number;
  [key: string]: unknown;
}

export interface NodeNetworkState {
  /** `/etc/network/interfaces`, by iface name. */
  active: Record<string, NetIface>;
  /** `/etc/network/interfaces.new` when changes are staged, else null. */
  pending: Record<string, NetIface> | null;
}
