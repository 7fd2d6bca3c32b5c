/**
 * An AppContainer joining an Appliance's LAN (a NIC with `appliance`). That NIC goes on the
 * appliance's LAN bridge with `ip=dhcp`; the address comes from the appliance's DHCP reservation for
 * the container's MAC. The MAC is derived from the object's uid and set at create time, so the
 * appliance can publish the reservation (and the DNS name) before the container first boots.
 *
 * Only this file reads the Appliance's spec and status from the AppContainer side, by plain field
 * access on stored objects (no import of the Appliance kind: the dependency runs the other way).
 */
import { createHash } from 'node:crypto';
import type { ObjectStatusView, StoredObject } from '../../core/kind.js';
import { applianceNic, type GuestNic } from '../guest-nics/nics.js';
import type { ResolvedSpec } from './spec.js';
import { asRecord as rec } from '../../core/records.js';

/** A stable, locally administered unicast MAC for a member, from its uid (`02:...`, upper-case). */
export function memberMac(uid: string): string {
  const h = createHash('sha256').update(`pxr-appliance-member:${uid}`).digest();
  const bytes = [0x02, ...h.subarray(0, 5)];
  return bytes.map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

/** What a member needs from its appliance's spec. */
export interface ApplianceLan {
  name: string;
  node: string;
  bridge: string;
  domain: string;
  httpPort: number;
  /** The appliance's own LAN address (no prefix). */
  gateway: string;
}

/** Reads the LAN facts from an Appliance's stored spec; undefined when they are not usable. */
export function applianceLan(obj: StoredObject): ApplianceLan | undefined {
  const s = obj.spec;
  const lan = rec(s['lan']);
  const bridge = lan['bridge'];
  const cidr = lan['cidr'];
  const node = s['node'];
  const domain = rec(s['dns'])['domain'];
  const port = rec(s['proxy'])['httpPort'];
  if (typeof bridge !== 'string' || typeof cidr !== 'string' || typeof node !== 'string')
    return undefined;
  if (typeof domain !== 'string') return undefined;
  return {
    name: obj.name,
    node,
    bridge,
    domain,
    httpPort: typeof port === 'number' ? port : 80,
    gateway: cidr.split('/')[0] ?? cidr,
  };
}

/**
 * The member's spec as the container machinery sees it: on the NIC with `appliance`, the LAN bridge
 * in place of a bridge name, `ip=dhcp`, and the static `ip` (if any) kept as the reserved address.
 */
export function joinSpec(spec: ResolvedSpec, lan: ApplianceLan | undefined): ResolvedSpec {
  const at = applianceNic(spec.nics);
  if (!at) return spec;
  const nic: GuestNic = { ...at.nic, ip: 'dhcp' };
  if (at.nic.ip !== 'dhcp' && at.nic.ip !== 'none')
    nic.reservedIp = at.nic.ip.split('/')[0] ?? at.nic.ip;
  delete nic.gateway;
  if (lan) nic.bridge = lan.bridge;
  else delete nic.bridge;
  return { ...spec, nics: spec.nics.map((n, i) => (i === at.index ? nic : n)) };
}

/** The address the appliance reserves for the member (its appliance NIC's static `ip`). */
export function reservedIp(spec: ResolvedSpec): string | undefined {
  return applianceNic(spec.nics)?.nic.reservedIp;
}

/** The URLs a member's expose entries answer on (through the appliance's proxy). */
export function memberUrls(spec: Pick<ResolvedSpec, 'expose'>, lan: ApplianceLan): string[] {
  const port = lan.httpPort === 80 ? '' : `:${lan.httpPort}`;
  return spec.expose.map((e) => `http://${e.host}${port}${e.pathPrefix ?? '/'}`);
}

/**
 * The member's address as the appliance last saw it: its reservation, else its DHCP lease for `mac`
 * (the MAC of the member's appliance NIC).
 */
export function memberIp(
  spec: ResolvedSpec,
  mac: string | undefined,
  appliance: ObjectStatusView | undefined,
): string | undefined {
  const reserved = reservedIp(spec);
  if (reserved !== undefined) return reserved;
  const leases = rec(appliance?.observed['leases']);
  const ip = mac === undefined ? undefined : leases[mac.toLowerCase()];
  return typeof ip === 'string' ? ip : undefined;
}

/** The member's host name on the LAN: the first label of its host name. */
export function memberHost(spec: ResolvedSpec): string {
  return (spec.hostname.split('.')[0] ?? spec.hostname).toLowerCase();
}

/**
 * What the appliance renders for a member, as a short digest: the appliance records it per member in
 * its status (what was rendered, for conflict resolution between members).
 */
export function memberDigest(spec: ResolvedSpec, mac: string | undefined): string {
  const facts = {
    host: memberHost(spec),
    mac: mac?.toLowerCase(),
    ip: reservedIp(spec),
    expose: spec.expose,
  };
  return createHash('sha1').update(JSON.stringify(facts)).digest('hex').slice(0, 12);
}
