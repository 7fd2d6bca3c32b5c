/**
 * The pure input model of the appliance's services (ARCHITECTURE §7): what dnsmasq, nftables and Caddy
 * must be, assembled by the Appliance kind from its spec and every AppContainer joining its LAN.
 * Renderers read only this; {@link validateDesired} finds what would make a rendered config wrong
 * (a reservation outside the LAN, two hosts with one MAC) before any daemon sees it.
 */
import { formatIpv4, parseCidrV4, parseIpv4 } from '../source/checks.js';

export interface DnsRecord {
  name: string;
  type: 'A' | 'AAAA' | 'CNAME' | 'TXT';
  value: string;
}

export interface ExposeEntry {
  /** The public host name Caddy matches (the request's Host header). */
  host: string;
  /** The app's port the route proxies to. */
  port: number;
  /** Only requests under this path (`/api`) take this route. */
  pathPrefix?: string;
}

export interface ApplianceHost {
  hostname: string;
  /** The container's LAN MAC, lower- or upper-case `aa:bb:cc:dd:ee:ff`. */
  mac: string;
  /** A fixed address; absent → a lease from the dynamic range (DNS name registered by DHCP). */
  ip?: string;
  expose: ExposeEntry[];
}

export interface ApplianceDesired {
  /** `cidr` is the appliance's own gateway address with the prefix, e.g. `10.20.0.1/24`. */
  lan: { iface: string; cidr: string };
  wan: { iface: string };
  dhcp: {
    range: [string, string];
    /** dnsmasq lease time: `12h`, `30m`, `3600`, `infinite`. */
    leaseTime: string;
    /** Where fixed addresses live; when set, every host `ip` must fall inside it. */
    reservedRange?: [string, string];
  };
  dns: { domain: string; upstream: string[]; records: DnsRecord[] };
  nat: { enabled: boolean; masqueradeFrom: string; outIface: string };
  proxy: {
    httpPort: number;
    httpsPort?: number;
    /** The `host` of an expose entry that also answers requests for unknown hosts. */
    defaultSite?: string;
  };
  hosts: ApplianceHost[];
}

export interface ParsedCidr {
  ip: string;
  prefix: number;
  /** The network address (`10.20.0.0`). */
  network: string;
  netmask: string;
  first: number;
  last: number;
}

/** The LAN or NAT source network, parsed by the same CIDR parser the manifest checks use. */
export function parseCidr(cidr: string): ParsedCidr | undefined {
  const c = parseCidrV4(cidr);
  if (c === undefined) return undefined;
  return {
    ip: cidr.slice(0, cidr.indexOf('/')),
    prefix: c.prefix,
    network: formatIpv4(c.network),
    netmask: formatIpv4(2 ** 32 - 2 ** (32 - c.prefix)),
    first: c.network,
    last: c.broadcast,
  };
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
// RFC 1123 labels; dnsmasq and Caddy both take these as they are.
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
const DOMAIN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const IFACE = /^[A-Za-z0-9_.-]{1,15}$/;
const LEASE = /^(\d+[smhdw]?|infinite)$/;

function inRange(ip: number, range: [number, number]): boolean {
  return ip >= range[0] && ip <= range[1];
}

function rangeInts(
  r: [string, string],
  what: string,
  issues: string[],
): [number, number] | undefined {
  const a = parseIpv4(r[0]);
  const b = parseIpv4(r[1]);
  if (a === undefined || b === undefined || a > b) {
    issues.push(`${what} ${r[0]}-${r[1]} is not a valid address range`);
    return undefined;
  }
  return [a, b];
}

/** Everything wrong with `d`, one sentence each; [] when the services can be rendered. */
export function validateDesired(d: ApplianceDesired): string[] {
  const issues: string[] = [];
  for (const [what, iface] of [
    ['lan.iface', d.lan.iface],
    ['wan.iface', d.wan.iface],
    ['nat.outIface', d.nat.outIface],
  ] as const)
    if (!IFACE.test(iface)) issues.push(`${what} "${iface}" is not an interface name`);
  const lan = parseCidr(d.lan.cidr);
  if (!lan) issues.push(`lan.cidr "${d.lan.cidr}" is not an IPv4 CIDR`);
  if (d.nat.enabled && !parseCidr(d.nat.masqueradeFrom))
    issues.push(`nat.masqueradeFrom "${d.nat.masqueradeFrom}" is not an IPv4 CIDR`);
  const inLan = (n: number): boolean => !lan || (n > lan.first && n < lan.last);
  const dyn = rangeInts(d.dhcp.range, 'dhcp.range', issues);
  if (dyn && !(inLan(dyn[0]) && inLan(dyn[1])))
    issues.push(`dhcp.range ${d.dhcp.range.join('-')} is not inside the LAN ${d.lan.cidr}`);
  const reserved =
    d.dhcp.reservedRange && rangeInts(d.dhcp.reservedRange, 'dhcp.reservedRange', issues);
  if (reserved && dyn && reserved[0] <= dyn[1] && dyn[0] <= reserved[1])
    issues.push('dhcp.reservedRange overlaps dhcp.range');
  if (!LEASE.test(d.dhcp.leaseTime)) issues.push(`dhcp.leaseTime "${d.dhcp.leaseTime}" is invalid`);
  if (!DOMAIN.test(d.dns.domain)) issues.push(`dns.domain "${d.dns.domain}" is not a domain name`);
  for (const u of d.dns.upstream)
    if (parseIpv4(u) === undefined) issues.push(`dns.upstream "${u}" is not an IPv4 address`);
  for (const r of d.dns.records) {
    if (!DOMAIN.test(r.name)) issues.push(`dns record "${r.name}" is not a domain name`);
    if (r.type === 'A' && parseIpv4(r.value) === undefined)
      issues.push(`dns record ${r.name} A "${r.value}" is not an IPv4 address`);
    if (r.type === 'AAAA' && !/^[0-9a-f:]{2,39}$/i.test(r.value))
      issues.push(`dns record ${r.name} AAAA "${r.value}" is not an IPv6 address`);
    if (r.type === 'CNAME' && !DOMAIN.test(r.value))
      issues.push(`dns record ${r.name} CNAME "${r.value}" is not a domain name`);
    if (/[\n\r"]/.test(r.value))
      issues.push(`dns record ${r.name} value contains a quote or newline`);
  }
  for (const [what, port] of [
    ['proxy.httpPort', d.proxy.httpPort],
    ['proxy.httpsPort', d.proxy.httpsPort],
  ] as const)
    if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536))
      issues.push(`${what} ${port} is not a port`);
  const seen = { hostname: new Set<string>(), mac: new Set<string>(), ip: new Set<string>() };
  const routes = new Set<string>();
  const sites = new Set<string>();
  for (const h of d.hosts) {
    if (!LABEL.test(h.hostname)) issues.push(`host "${h.hostname}" is not a valid host name`);
    if (!MAC.test(h.mac)) issues.push(`host ${h.hostname}: mac "${h.mac}" is invalid`);
    for (const [key, value] of [
      ['hostname', h.hostname.toLowerCase()],
      ['mac', h.mac.toLowerCase()],
      ['ip', h.ip],
    ] as const) {
      if (value === undefined) continue;
      if (seen[key].has(value)) issues.push(`two hosts share the ${key} ${value}`);
      seen[key].add(value);
    }
    if (h.ip !== undefined) {
      const n = parseIpv4(h.ip);
      if (n === undefined) issues.push(`host ${h.hostname}: ip "${h.ip}" is not an IPv4 address`);
      else if (!inLan(n))
        issues.push(`host ${h.hostname}: ip ${h.ip} is outside the LAN ${d.lan.cidr}`);
      else if (dyn && inRange(n, dyn))
        issues.push(`host ${h.hostname}: ip ${h.ip} is inside the dynamic dhcp.range`);
      else if (reserved && !inRange(n, reserved))
        issues.push(`host ${h.hostname}: ip ${h.ip} is outside dhcp.reservedRange`);
      else if (lan && n === parseIpv4(lan.ip))
        issues.push(`host ${h.hostname}: ip ${h.ip} is the appliance's own address`);
    }
    for (const e of h.expose) {
      if (!DOMAIN.test(e.host))
        issues.push(`host ${h.hostname}: expose host "${e.host}" is invalid`);
      if (!(Number.isInteger(e.port) && e.port > 0 && e.port < 65536))
        issues.push(`host ${h.hostname}: expose port ${e.port} is not a port`);
      if (e.pathPrefix !== undefined && !/^\/[A-Za-z0-9._~\-/]*$/.test(e.pathPrefix))
        issues.push(
          `host ${h.hostname}: pathPrefix "${e.pathPrefix}" must start with / and be a plain path`,
        );
      const key = `${e.host.toLowerCase()}${e.pathPrefix ?? ''}`;
      if (routes.has(key)) issues.push(`two expose entries route ${key}`);
      routes.add(key);
      sites.add(e.host.toLowerCase());
    }
  }
  if (d.proxy.defaultSite !== undefined && !sites.has(d.proxy.defaultSite.toLowerCase()))
    issues.push(`proxy.defaultSite "${d.proxy.defaultSite}" is not the host of any expose entry`);
  return issues;
}
