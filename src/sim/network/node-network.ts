/**
 * The two files of one node's network and what reading them returns: edits are staged into
 * `interfaces.new` (rendered, checked and parsed back so the stored records are what Proxmox would
 * read), reads show the staged view plus the `diff -u` of the two files, and a reload renames the new
 * file over the old one and brings interfaces up (`ifreload -a`).
 */
import type { NetIface, NetIfaces, NodeNetworkState } from './state.js';
import { parseInterfaces } from './interfaces-parse.js';
import { renderInterfaces, writeInterfaces } from './interfaces-render.js';
import { foldCidr } from './interfaces-check.js';
import { unifiedDiff } from './unified-diff.js';
import { splitWhitespace } from './perl.js';

export const INTERFACES_FILE = '/etc/network/interfaces';
export const INTERFACES_NEW_FILE = '/etc/network/interfaces.new';

/** `?type=` values of the list endpoint. */
export type IfaceTypeFilter =
  | 'bridge'
  | 'bond'
  | 'eth'
  | 'alias'
  | 'vlan'
  | 'fabric'
  | 'OVSBridge'
  | 'OVSBond'
  | 'OVSPort'
  | 'OVSIntPort'
  | 'vnet'
  | 'any_bridge'
  | 'any_local_bridge'
  | 'include_sdn';

/** `read_file('interfaces')`: the staged file when there is one. */
export function currentConfig(net: NodeNetworkState): NetIfaces {
  return structuredClone(net.pending ?? net.active);
}

/** `write_file('interfaces', ...)`: checks (may die), writes `interfaces.new`. */
export function stageConfig(net: NodeNetworkState, config: NetIfaces, nowMs: number): void {
  const text = writeInterfaces(config);
  net.pending = parseInterfaces(text, net.physical ?? []);
  net.pendingMtime = nowMs;
}

/** `DELETE /network`: unlink `interfaces.new`. */
export function revertPending(net: NodeNetworkState): void {
  net.pending = null;
  delete net.pendingMtime;
}

/** First step of the reload worker: `rename(interfaces.new, interfaces)` when it exists. */
export function promotePending(net: NodeNetworkState): void {
  if (!net.pending) return;
  net.active = net.pending;
  net.activeMtime = net.pendingMtime ?? net.activeMtime;
  revertPending(net);
}

/**
 * `ifreload -a`: auto interfaces and their ports come up, virtual interfaces that left the file go
 * away, physical NICs keep their state. Returns the interfaces that changed state (for the task log).
 */
export function ifreload(net: NodeNetworkState): { up: string[]; down: string[] } {
  const physical = new Set(net.physical ?? []);
  const cfg = net.active;
  const before = new Set(net.up ?? []);
  const next = new Set([...before].filter((x) => physical.has(x) || cfg[x] !== undefined));
  for (const [name, d] of Object.entries(cfg)) {
    if (d.autostart !== 1) continue;
    next.add(name);
    for (const p of [...splitWhitespace(d.bridge_ports), ...splitWhitespace(d.slaves)]) {
      if (p !== '' && (physical.has(p) || cfg[p] !== undefined)) next.add(p);
    }
  }
  net.up = [...next].sort();
  return {
    up: net.up.filter((x) => !before.has(x)),
    down: [...before].filter((x) => !next.has(x)).sort(),
  };
}

/**
 * Whether a bridge exists in the kernel (`/sys/class/net/<name>/brif`): what starting a guest on it
 * needs. A bridge only staged in `interfaces.new` does not count until the reload brings it up.
 */
export function isBridgeUp(net: NodeNetworkState, name: string): boolean {
  if ((net.sdnUp ?? []).includes(name)) return true;
  const d = net.active[name];
  return (
    d !== undefined &&
    (d.type === 'bridge' || d.type === 'OVSBridge') &&
    (net.up ?? []).includes(name)
  );
}

/** One record as the API returns it: kernel `active` merged in, keys in Perl's canonical order. */
export function ifaceView(net: NodeNetworkState, d: NetIface): Record<string, unknown> {
  const out: Record<string, unknown> = { ...d };
  delete out.active;
  if ((net.up ?? []).includes(d.iface)) out.active = 1;
  return sortKeys(out);
}

/** `GET /network[?type=]`: every interface but `lo`, sorted by name. */
export function listIfaces(
  net: NodeNetworkState,
  filter?: IfaceTypeFilter,
): Record<string, unknown>[] {
  const ifaces = net.pending ?? net.active;
  return Object.keys(ifaces)
    .sort()
    .filter((name) => name !== 'lo')
    .map((name) => ifaces[name] as NetIface)
    .filter((d) => matchesType(d.type, filter))
    .map((d) => ifaceView(net, d));
}

function matchesType(type: string, filter: IfaceTypeFilter | undefined): boolean {
  if (filter === undefined || filter === 'include_sdn') return true;
  const isBridge = type === 'bridge' || type === 'OVSBridge';
  return (
    type === filter || (isBridge && (filter === 'any_bridge' || filter === 'any_local_bridge'))
  );
}

/** The `changes` attribute: `diff -b -N -u interfaces interfaces.new`, undefined when none. */
export function pendingChanges(net: NodeNetworkState): string | undefined {
  if (!net.pending) return undefined;
  return unifiedDiff(
    { label: INTERFACES_FILE, text: fileText(net.active), mtimeMs: net.activeMtime },
    { label: INTERFACES_NEW_FILE, text: fileText(net.pending), mtimeMs: net.pendingMtime },
    { ignoreSpaceChange: true },
  );
}

/** The file text of a stored configuration (already checked when it was written). */
export function fileText(ifaces: NetIfaces): string {
  return renderInterfaces(foldCidr(ifaces));
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]),
  );
}
