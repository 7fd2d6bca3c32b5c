/**
 * Host network of one node: the parsed `/etc/network/interfaces`, the staged `interfaces.new` and the
 * bits of kernel state the reader merges in. See FACTS §4.
 *
 * Records are kept in the shape pve-common's reader returns them (the "read form"): values that come
 * from the file are strings (`bridge_fd: "0"`, `mtu: "9000"`, `netmask: "24"`), while `autostart`,
 * `priority`, `bridge_vlan_aware` and `exists` are numbers. Every edit goes through
 * render → parse (see `interfaces-file.ts`), so the stored form is always what Proxmox would read back.
 */
export interface NetIface {
  iface: string;
  /** `eth`, `bridge`, `bond`, `vlan`, `alias`, `loopback`, `unknown`, ... (derived by the reader). */
  type: string;
  method: string;
  method6: string;
  families: string[];
  /** Position in the file (the reader numbers stanzas from 2). */
  priority: number;
  autostart?: 0 | 1;
  /** Never stored: merged in from `NodeNetworkState.up` when read. */
  active?: 0 | 1;
  /** From the physical links of the node (kept, as the reader sets it on every parse). */
  exists?: 0 | 1;
  address?: string;
  netmask?: string;
  cidr?: string;
  gateway?: string;
  address6?: string;
  netmask6?: string;
  cidr6?: string;
  gateway6?: string;
  bridge_ports?: string;
  bridge_stp?: string;
  bridge_fd?: string | number;
  bridge_vlan_aware?: 0 | 1;
  bridge_vids?: string;
  /** One `#` line per `\n`-terminated line. */
  comments?: string;
  mtu?: string | number;
  slaves?: string;
  /** Unknown `key value` lines of the stanza, kept verbatim. */
  options?: string[];
  options6?: string[];
  [key: string]: unknown;
}

export type NetIfaces = Record<string, NetIface>;

export interface NodeNetworkState {
  /** `/etc/network/interfaces`, by iface name (includes `lo`, which the list endpoint hides). */
  active: NetIfaces;
  /** `/etc/network/interfaces.new` when changes are staged, else null. */
  pending: NetIfaces | null;
  /**
   * Physical NICs of the node (`ip link`): the reader marks them `exists: 1` and lists them even when
   * the file does not mention them. Default: none.
   */
  physical?: string[];
  /** Interfaces that are up in the kernel (`active: 1` when read). Set by the reload task. */
  up?: string[];
  /** SDN vnet bridges the last SDN apply brought up on this node (`/etc/network/interfaces.d/sdn`). */
  sdnUp?: string[];
  /** Version of the running SDN config that node last generated (`interfaces.d/sdn`). */
  sdnVersion?: number | undefined;
  /** mtimes (ms on the sim clock) of the two files, for the `diff -u` headers. */
  activeMtime?: number | undefined;
  pendingMtime?: number | undefined;
}
