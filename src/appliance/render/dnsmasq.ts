/**
 * dnsmasq rendered whole from desired state: one main config plus one file per host in each of two
 * folders dnsmasq watches by itself (`dhcp-hostsdir`, `hostsdir`), so a host joining or leaving the LAN
 * changes only its own small files and needs a SIGHUP at most — the main config (and a restart) changes
 * only when the appliance's own spec does.
 */
import type { ApplianceDesired } from '../desired.js';
import { parseCidr } from '../desired.js';

/** Where dnsmasq's files live in the appliance, and how it listens. */
export interface DnsmasqLayout {
  /** @default '/etc/pxr/dnsmasq.conf' */
  confPath: string;
  /** @default '/etc/pxr/dnsmasq/dhcp-hosts' */
  dhcpHostsDir: string;
  /** @default '/etc/pxr/dnsmasq/hosts' */
  hostsDir: string;
  /** @default '/var/lib/misc/pxr-dnsmasq.leases' */
  leaseFile: string;
  /** @default '/run/pxr-dnsmasq.pid' */
  pidFile: string;
  /** DNS port; tests move it off 53. @default 53 */
  port: number;
}

export const defaultDnsmasqLayout: DnsmasqLayout = {
  confPath: '/etc/pxr/dnsmasq.conf',
  dhcpHostsDir: '/etc/pxr/dnsmasq/dhcp-hosts',
  hostsDir: '/etc/pxr/dnsmasq/hosts',
  leaseFile: '/var/lib/misc/pxr-dnsmasq.leases',
  pidFile: '/run/pxr-dnsmasq.pid',
  port: 53,
};

export interface DnsmasqFiles {
  main: string;
  /** File name (the host name) → `MAC,ip,hostname` line. */
  dhcpHosts: Map<string, string>;
  /** File name (the host name) → `ip fqdn hostname` line. */
  hosts: Map<string, string>;
}

const HEADER = '# Managed by pxr: rendered whole from desired state; edits here are reverted.\n';

function recordLine(r: ApplianceDesired['dns']['records'][number]): string {
  switch (r.type) {
    case 'A':
    case 'AAAA':
      return `host-record=${r.name},${r.value}`;
    case 'CNAME':
      return `cname=${r.name},${r.value}`;
    case 'TXT':
      return `txt-record=${r.name},"${r.value}"`;
  }
}

/** The main config. Assumes {@link validateDesired} found nothing. */
export function renderDnsmasqMain(d: ApplianceDesired, layout: DnsmasqLayout): string {
  const lan = parseCidr(d.lan.cidr);
  const netmask = lan?.netmask ?? '255.255.255.0';
  const gateway = lan?.ip ?? d.lan.cidr;
  const lines = [
    `interface=${d.lan.iface}`,
    // Binds only the LAN (and follows it if it goes down and up); never the WAN.
    'bind-dynamic',
    `port=${layout.port}`,
    // Names come only from pxr's folders and DHCP, never from the appliance's own /etc/hosts or resolv.conf.
    'no-hosts',
    'no-resolv',
    'domain-needed',
    'bogus-priv',
    `domain=${d.dns.domain}`,
    `local=/${d.dns.domain}/`,
    ...d.dns.upstream.map((u) => `server=${u}`),
    `dhcp-range=${d.dhcp.range[0]},${d.dhcp.range[1]},${netmask},${d.dhcp.leaseTime}`,
    `dhcp-option=option:router,${gateway}`,
    `dhcp-option=option:dns-server,${gateway}`,
    `dhcp-option=option:domain-search,${d.dns.domain}`,
    'dhcp-authoritative',
    `dhcp-leasefile=${layout.leaseFile}`,
    `dhcp-hostsdir=${layout.dhcpHostsDir}`,
    `hostsdir=${layout.hostsDir}`,
    `pid-file=${layout.pidFile}`,
    ...d.dns.records.map(recordLine),
  ];
  return HEADER + lines.join('\n') + '\n';
}

/** Everything dnsmasq needs, by file. */
export function renderDnsmasq(d: ApplianceDesired, layout: DnsmasqLayout): DnsmasqFiles {
  const dhcpHosts = new Map<string, string>();
  const hosts = new Map<string, string>();
  for (const h of [...d.hosts].sort((a, b) => a.hostname.localeCompare(b.hostname))) {
    const mac = h.mac.toLowerCase();
    const name = h.hostname.toLowerCase();
    dhcpHosts.set(name, h.ip ? `${mac},${h.ip},${name}\n` : `${mac},${name}\n`);
    // Without a fixed address the name is registered by dnsmasq itself when the lease is granted.
    if (h.ip) hosts.set(name, `${h.ip} ${name}.${d.dns.domain} ${name}\n`);
  }
  return { main: renderDnsmasqMain(d, layout), dhcpHosts, hosts };
}

export interface Lease {
  expiresAt: number;
  mac: string;
  ip: string;
  hostname?: string;
}

/** Parses dnsmasq's lease file (`expiry mac ip hostname clientid` per line; `*` = unknown). */
export function parseLeases(text: string): Lease[] {
  const leases: Lease[] = [];
  for (const line of text.split('\n')) {
    const [expiry, mac, ip, hostname] = line.trim().split(/\s+/);
    if (!expiry || !mac || !ip || !/^\d+$/.test(expiry)) continue;
    const lease: Lease = { expiresAt: Number(expiry) * 1000, mac: mac.toLowerCase(), ip };
    if (hostname && hostname !== '*') lease.hostname = hostname;
    leases.push(lease);
  }
  return leases;
}
