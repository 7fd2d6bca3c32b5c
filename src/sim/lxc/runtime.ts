/**
 * What a running container looks like from the host: `vmstatus` (list, status/current) and the
 * `ip --json a` view of `/interfaces`, with IPv4 leases from a simulated DHCP server per bridge
 * (deterministic; a lease is kept per MAC while the container runs).
 */
import type { NodeState } from '../state.js';
import type { LxcState } from './state.js';
import { parseMountPoint } from './ct-formats.js';
import { parsePropertyString } from './property-string.js';
import { NET_FORMAT } from './ct-formats.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export type VmStatus = Record<string, string | number>;

function rootfsSize(ct: LxcState): number {
  const rootfs = ct.config.rootfs;
  if (rootfs === undefined) return 4 * GiB;
  try {
    return parseMountPoint('rootfs', String(rootfs)).size ?? 4 * GiB;
  } catch {
    // An unparsable rootfs reads as the default size, like vmstatus' `|| 4GB`.
    return 4 * GiB;
  }
}

/** `PVE::LXC::vmstatus` for one container; simulated usage grows with uptime. */
export function vmStatus(node: NodeState, ct: LxcState, now: number): VmStatus {
  const c = ct.config;
  const running = ct.status === 'running';
  const name = String(c.hostname ?? '').replace(/\s/g, '') || `CT${ct.vmid}`;
  const cpus = Number(c.cores ?? 0) || Number(c.cpulimit ?? 0) || node.maxcpu;
  const maxmem = (Number(c.memory ?? 0) || 512) * MiB;
  const maxdisk = rootfsSize(ct);
  const uptime =
    running && ct.startedAt !== undefined ? Math.floor((now - ct.startedAt) / 1000) : 0;
  const d: VmStatus = {
    vmid: ct.vmid,
    type: 'lxc',
    status: ct.status,
    name,
    cpus,
    maxmem,
    maxswap: Number(c.swap ?? 0) * MiB,
    maxdisk,
    disk: running ? Math.floor(maxdisk * 0.12) : 0,
    mem: running ? Math.floor(maxmem * 0.08) : 0,
    swap: 0,
    uptime,
    cpu: running ? 0.004 : 0,
    netin: running ? uptime * 1200 : 0,
    netout: running ? uptime * 800 : 0,
    diskread: running ? 48 * MiB : 0,
    diskwrite: running ? uptime * 4096 : 0,
  };
  if (running && ct.pid !== undefined) d.pid = ct.pid;
  if (c.tags !== undefined) d.tags = c.tags;
  if (c.template) d.template = 1;
  if (c.lock !== undefined && c.lock !== '') d.lock = c.lock;
  return d;
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function maskBits(netmask: string): number {
  if (/^\d+$/.test(netmask)) return Number(netmask);
  return ipToInt(netmask).toString(2).replace(/0+$/, '').length;
}

/** The L2 segment of a NIC: its bridge and VLAN tag (a tagged NIC is on another network). */
function segmentOf(n: { bridge?: string; tag?: number }): string {
  return `${n.bridge ?? ''}#${n.tag ?? ''}`;
}

function subnetOf(cidr: string | undefined): { base: number; prefix: number } | undefined {
  const m = cidr ? /^(\d+\.\d+\.\d+\.\d+)\/(\S+)$/.exec(cidr) : null;
  if (!m?.[1] || !m[2]) return undefined;
  const prefix = maskBits(m[2]);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (ipToInt(m[1]) & mask) >>> 0, prefix };
}

/** A small stable number for a name without digits (`lan` -> 1..254), so pools differ by bridge. */
function nameNumber(name: string): number {
  const digits = /(\d+)$/.exec(name)?.[1];
  if (digits !== undefined) return Number(digits) % 256;
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) % 254;
  return h + 1;
}

/**
 * The DHCP pool of a segment (bridge + VLAN tag), as the network's own router would serve it:
 * `.100`-`.249` of the subnet of the host's address on that segment (the bridge, or `bridge.tag` for
 * a tagged one); else of the subnet of a running guest with a static address there (an appliance
 * serving its LAN, lowest VMID first); else `10.<bridge>.<tag>.0/24`.
 */
export function dhcpPool(
  node: NodeState,
  bridge: string,
  tag?: number,
): { base: number; prefix: number } {
  const host = node.network.active[tag === undefined ? bridge : `${bridge}.${tag}`];
  const hostNet = subnetOf(
    host?.cidr ?? (host?.address ? `${host.address}/${host.netmask ?? '24'}` : undefined),
  );
  if (hostNet) return hostNet;
  const segment = segmentOf({ bridge, ...(tag !== undefined ? { tag } : {}) });
  const guests = Object.values(node.lxc)
    .filter((g) => g.status === 'running')
    .sort((a, b) => a.vmid - b.vmid);
  for (const g of guests) {
    for (const o of nets(g)) {
      if (segmentOf(o) !== segment || o.ip === undefined || o.ip === 'dhcp') continue;
      const net = subnetOf(o.ip);
      if (net) return net;
    }
  }
  return { base: ipToInt(`10.${nameNumber(bridge)}.${(tag ?? 0) % 256}.0`), prefix: 24 };
}

interface NetInfo {
  key: string;
  name: string;
  hwaddr: string;
  bridge?: string;
  tag?: number;
  ip?: string;
  ip6?: string;
  linkDown: boolean;
}

function nets(ct: LxcState): NetInfo[] {
  const res: NetInfo[] = [];
  const keys = Object.keys(ct.config)
    .filter((k) => /^net\d+$/.test(k))
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)));
  for (const key of keys) {
    try {
      const n = parsePropertyString(NET_FORMAT, String(ct.config[key]));
      res.push({
        key,
        name: String(n.name),
        hwaddr: String(n.hwaddr ?? '').toLowerCase(),
        ...(n.bridge !== undefined ? { bridge: String(n.bridge) } : {}),
        ...(n.tag !== undefined ? { tag: Number(n.tag) } : {}),
        ...(n.ip !== undefined ? { ip: String(n.ip) } : {}),
        ...(n.ip6 !== undefined ? { ip6: String(n.ip6) } : {}),
        linkDown: n.link_down === 1,
      });
    } catch {
      // A broken netN has no device in the container: nothing to list for it.
      continue;
    }
  }
  return res;
}

/**
 * Gives every `ip=dhcp` interface of a running container a lease (kept while the MAC and segment
 * stay the same) from its segment's pool, avoiding addresses leased or statically used on the same
 * segment (bridge and VLAN tag) of this node.
 */
export function refreshLeases(node: NodeState, ct: LxcState): void {
  const leases = ct.leases ?? {};
  const next: NonNullable<LxcState['leases']> = {};
  for (const n of nets(ct)) {
    if (n.ip !== 'dhcp' || n.bridge === undefined || n.linkDown) continue;
    const segment = segmentOf(n);
    const old = leases[n.key];
    const pool = dhcpPool(node, n.bridge, n.tag);
    const inPool = (cidr: string): boolean => {
      const net = subnetOf(cidr);
      return net?.base === pool.base && net.prefix === pool.prefix;
    };
    if (old && old.hwaddr === n.hwaddr && segmentOf(old) === segment && inPool(old.cidr)) {
      next[n.key] = old;
      continue;
    }
    const taken = new Set<number>();
    for (const other of Object.values(node.lxc)) {
      if (other.status !== 'running') continue;
      for (const o of nets(other)) {
        if (segmentOf(o) !== segment) continue;
        const lease = other === ct ? next[o.key] : other.leases?.[o.key];
        const addr = o.ip === 'dhcp' ? lease?.cidr : o.ip;
        const ip = addr ? /^(\d+\.\d+\.\d+\.\d+)\//.exec(addr)?.[1] : undefined;
        if (ip) taken.add(ipToInt(ip));
      }
    }
    // Start at a MAC-derived offset so leases do not depend on start order more than needed.
    const macSeed = parseInt(n.hwaddr.replace(/:/g, '').slice(-4) || '0', 16);
    for (let i = 0; i < 150; i++) {
      const host = pool.base + 100 + ((macSeed + i) % 150);
      if (taken.has(host)) continue;
      next[n.key] = {
        hwaddr: n.hwaddr,
        bridge: n.bridge,
        ...(n.tag !== undefined ? { tag: n.tag } : {}),
        cidr: `${intToIp(host)}/${pool.prefix}`,
      };
      break;
    }
  }
  ct.leases = next;
}

/** The EUI-64 link-local address the kernel gives an interface with this MAC. */
export function linkLocal(mac: string): string {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  const e = [(b[0] ?? 0) ^ 2, b[1] ?? 0, b[2] ?? 0, 0xff, 0xfe, b[3] ?? 0, b[4] ?? 0, b[5] ?? 0];
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 2) groups.push((((e[i] ?? 0) << 8) | (e[i + 1] ?? 0)).toString(16));
  return `fe80::${groups.join(':')}`;
}

type Addr = { family: 'inet' | 'inet6'; local: string; prefixlen: number };

function iface(name: string, hwaddr: string, addrs: Addr[]): Record<string, unknown> {
  const obj: Record<string, unknown> = { name };
  for (const a of addrs) obj[a.family] = `${a.local}/${a.prefixlen}`;
  obj['ip-addresses'] = addrs.map((a) => ({
    'ip-address-type': a.family,
    'ip-address': a.local,
    prefix: a.prefixlen,
  }));
  obj['hardware-address'] = hwaddr;
  obj.hwaddr = hwaddr;
  return obj;
}

function splitCidr(cidr: string, family: 'inet' | 'inet6'): Addr | undefined {
  const m = /^([^/]+)\/(\d+)$/.exec(cidr);
  return m?.[1] && m[2] ? { family, local: m[1], prefixlen: Number(m[2]) } : undefined;
}

/** `PVE::LXC::get_interfaces`: null (undef) when stopped. */
export function interfaces(node: NodeState, ct: LxcState): Record<string, unknown>[] | null {
  if (ct.status !== 'running') return null;
  refreshLeases(node, ct);
  const res = [
    iface('lo', '00:00:00:00:00:00', [
      { family: 'inet', local: '127.0.0.1', prefixlen: 8 },
      { family: 'inet6', local: '::1', prefixlen: 128 },
    ]),
  ];
  for (const n of nets(ct)) {
    const addrs: Addr[] = [];
    if (!n.linkDown) {
      const v4 = n.ip === 'dhcp' ? ct.leases?.[n.key]?.cidr : n.ip;
      const a4 = v4 ? splitCidr(v4, 'inet') : undefined;
      if (a4) addrs.push(a4);
      const a6 = n.ip6 && n.ip6.includes('/') ? splitCidr(n.ip6, 'inet6') : undefined;
      if (a6) addrs.push(a6);
      addrs.push({ family: 'inet6', local: linkLocal(n.hwaddr), prefixlen: 64 });
    }
    res.push(iface(n.name, n.hwaddr, addrs));
  }
  return res;
}
