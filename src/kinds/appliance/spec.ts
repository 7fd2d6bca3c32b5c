/**
 * The Appliance spec with pxr's defaults applied, and its two projections: the container (a
 * `ResolvedSpec` the AppContainer machinery converges — net0 = WAN, net1 = LAN) and the service
 * settings the desired model is built from. Pure.
 */
import type { ResolvedSpec } from '../app-container/spec.js';
import type { GuestNic } from '../guest-nics/nics.js';
import { APPLIANCE_DEFAULTS as D, type ApplianceSpec } from './schema.js';

export type { ApplianceSpec };

export type TransportKind = 'ssh' | 'pct' | 'simulated';

export interface ResolvedAccess {
  transport: TransportKind;
  host?: string;
  port: number;
  user: string;
  privateKeyFile?: string;
  hostKeyFingerprint?: string;
}

export interface ResolvedAppliance {
  node: string;
  lan: { bridge: string; cidr: string };
  wan: { bridge: string; ip: string };
  dhcp: { range: [string, string]; leaseTime: string; reservedRange?: [string, string] };
  dns: {
    domain: string;
    upstream: string[];
    records: { name: string; type: 'A' | 'AAAA' | 'CNAME' | 'TXT'; value: string }[];
  };
  nat: { enabled: boolean; masqueradeFrom?: string };
  proxy: { httpPort: number; httpsPort?: number; defaultSite?: string; adminListen: string };
  access: ResolvedAccess;
}

/** Interface names inside the appliance: the container machinery names net0 eth0 and net1 eth1. */
export const WAN_IFACE = 'eth0';
export const LAN_IFACE = 'eth1';

export function resolveAppliance(spec: ApplianceSpec): ResolvedAppliance {
  const out: ResolvedAppliance = {
    node: spec.node,
    lan: { bridge: spec.lan.bridge, cidr: spec.lan.cidr },
    wan: { bridge: spec.wan.bridge, ip: spec.wan.ip ?? D.wanIp },
    dhcp: {
      range: [spec.dhcp.range.start, spec.dhcp.range.end],
      leaseTime: spec.dhcp.leaseTime ?? D.leaseTime,
    },
    dns: {
      domain: spec.dns.domain.toLowerCase(),
      upstream: [...(spec.dns.upstream ?? D.upstream)],
      records: (spec.dns.records ?? []).map((r) => ({ ...r })),
    },
    nat: { enabled: spec.nat?.enabled ?? D.natEnabled },
    proxy: {
      httpPort: spec.proxy?.httpPort ?? D.httpPort,
      adminListen: spec.proxy?.adminListen ?? D.adminListen,
    },
    access: {
      transport: spec.access.transport,
      port: spec.access.port ?? D.sshPort,
      user: spec.access.user ?? D.sshUser,
    },
  };
  const rr = spec.dhcp.reservedRange;
  if (rr) out.dhcp.reservedRange = [rr.start, rr.end];
  if (spec.nat?.masqueradeFrom !== undefined) out.nat.masqueradeFrom = spec.nat.masqueradeFrom;
  if (spec.proxy?.httpsPort !== undefined) out.proxy.httpsPort = spec.proxy.httpsPort;
  if (spec.proxy?.defaultSite !== undefined) out.proxy.defaultSite = spec.proxy.defaultSite;
  const a = spec.access;
  if (a.host !== undefined) out.access.host = a.host;
  if (a.privateKeyFile !== undefined) out.access.privateKeyFile = a.privateKeyFile;
  if (a.hostKeyFingerprint !== undefined) out.access.hostKeyFingerprint = a.hostKeyFingerprint;
  return out;
}

/**
 * The appliance container as the AppContainer machinery converges it: net0 on the WAN bridge,
 * net1 on the LAN bridge with the gateway address; always running; `nesting` on (systemd in
 * Debian 12 needs it).
 */
export function applianceCtSpec(spec: ApplianceSpec, name: string): ResolvedSpec {
  const r = spec.resources ?? {};
  const wan: GuestNic = {
    bridge: spec.wan.bridge,
    ip: spec.wan.ip ?? D.wanIp,
    firewall: spec.wan.firewall ?? D.wanFirewall,
  };
  if (spec.wan.gateway !== undefined) wan.gateway = spec.wan.gateway;
  const out: ResolvedSpec = {
    node: spec.node,
    template: spec.template,
    hostname: spec.hostname ?? name,
    cores: r.cores ?? D.cores,
    memory: r.memory ?? D.memory,
    swap: r.swap ?? D.swap,
    diskGb: r.disk?.size ?? D.diskGb,
    diskStorage: r.disk?.storage ?? D.storage,
    nics: [wan, { bridge: spec.lan.bridge, ip: spec.lan.cidr, firewall: false }],
    // Whatever else is on the appliance container is left alone (and reported).
    nicPolicy: 'report',
    nameservers: [],
    unprivileged: true,
    features: { nesting: true },
    onboot: spec.onboot ?? D.onboot,
    state: 'running',
    tags: ['appliance', ...(spec.tags ?? [])],
    mountPoints: [],
    restartPolicy: 'onChange',
    replacePolicy: 'never',
    shutdownTimeoutSeconds: 60,
    adopt: false,
    auth: { ...(spec.auth ?? {}) },
    expose: [],
  };
  if (spec.vmid !== undefined) out.vmid = spec.vmid;
  if (spec.description !== undefined) out.description = spec.description;
  return out;
}
