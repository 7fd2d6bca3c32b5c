/**
 * The appliance's desired service model (src/appliance/desired.ts) built from its resolved spec and
 * every AppContainer joining its LAN (a NIC with `appliance: <name>`). Pure: members come in as stored
 * objects with their recorded status, and the result says, per member, what was rendered (a digest
 * the member compares with its own, see app-container/appliance-join.ts).
 */
import type { ApplianceDesired, ApplianceHost } from '../../appliance/desired.js';
import { parseCidr, validateDesired } from '../../appliance/desired.js';
import type { ObjectStatusView, StoredObject } from '../../core/kind.js';
import {
  applianceLan,
  joinSpec,
  memberDigest,
  memberHost,
  memberMac,
  reservedIp,
} from '../app-container/appliance-join.js';
import { recordedMac } from '../app-container/observed.js';
import { rawApplianceNic } from '../guest-nics/nics.js';
import { resolveSpec, type AppContainerSpec } from '../app-container/spec.js';
import { vmMemberHost } from '../virtual-machine/appliance-member.js';
import { LAN_IFACE, WAN_IFACE, type ResolvedAppliance } from './spec.js';
import { applianceOf } from './watches.js';

export interface MemberInput {
  obj: StoredObject;
  status: ObjectStatusView | undefined;
}

export interface BuiltModel {
  desired: ApplianceDesired;
  /** Member name → digest of what was rendered for it. */
  members: Record<string, string>;
  /** Why a setting was left out for now (e.g. a default site no member exposes yet). */
  notes: string[];
  /** Members left out because they conflict with members before them (same address, name, route). */
  conflicts: string[];
}

/** How a member is named in the appliance's status: AppContainers by name, VMs by `VirtualMachine/<name>`. */
export function memberKey(obj: StoredObject): string {
  return obj.kind === 'VirtualMachine' ? `VirtualMachine/${obj.name}` : obj.name;
}

/** The members of appliance `name`: live AppContainers and VMs with a NIC on its LAN. */
export function selectMembers(name: string, cts: readonly StoredObject[]): StoredObject[] {
  return cts
    .filter((o) => !o.deletionRequested)
    .filter((o) => applianceOf(o) === name)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Builds the desired model; `appliance` is the Appliance object (for the members' LAN facts).
 * `rendered` (member name → digest, from the appliance's status) gives members already on the LAN,
 * unchanged, precedence over a newcomer that conflicts with them.
 */
export function buildModel(
  appliance: StoredObject,
  spec: ResolvedAppliance,
  members: readonly MemberInput[],
  rendered: Readonly<Record<string, unknown>> = {},
): BuiltModel {
  const lan = applianceLan(appliance);
  const candidates: { name: string; host: ApplianceHost; digest: string }[] = [];
  for (const m of members) {
    if (m.obj.kind === 'VirtualMachine') {
      const vm = vmMemberHost(m.obj, m.status);
      if (vm) candidates.push({ name: memberKey(m.obj), ...vm });
      continue;
    }
    const own = joinSpec(resolveSpec(m.obj.spec as unknown as AppContainerSpec, m.obj.name), lan);
    const recorded = recordedMac(m.status?.observed ?? {}, rawApplianceNic(m.obj.spec)?.index ?? 0);
    const mac = recorded ?? memberMac(m.obj.uid);
    const host: ApplianceHost = {
      hostname: memberHost(own),
      mac: mac.toLowerCase(),
      expose: own.expose.map((e) => ({ ...e })),
    };
    const ip = reservedIp(own);
    if (ip !== undefined) host.ip = ip;
    candidates.push({ name: m.obj.name, host, digest: memberDigest(own, mac) });
  }
  const net = parseCidr(spec.lan.cidr);
  const desired: ApplianceDesired = {
    lan: { iface: LAN_IFACE, cidr: spec.lan.cidr },
    wan: { iface: WAN_IFACE },
    dhcp: { range: spec.dhcp.range, leaseTime: spec.dhcp.leaseTime },
    dns: {
      domain: spec.dns.domain,
      upstream: spec.dns.upstream,
      records: spec.dns.records.map((r) => ({ ...r })),
    },
    nat: {
      enabled: spec.nat.enabled,
      masqueradeFrom:
        spec.nat.masqueradeFrom ?? (net ? `${net.network}/${net.prefix}` : spec.lan.cidr),
      outIface: WAN_IFACE,
    },
    proxy: { httpPort: spec.proxy.httpPort },
    hosts: [],
  };
  if (spec.dhcp.reservedRange) desired.dhcp.reservedRange = spec.dhcp.reservedRange;
  if (spec.proxy.httpsPort !== undefined) desired.proxy.httpsPort = spec.proxy.httpsPort;
  // One member's mistake (an address or name another member has, an address outside the reserved
  // range) must not stop the services of the whole LAN: such a member is left out, said loudly,
  // and is not in `members`, so it keeps asking for a render until it is fixed.
  const hosts = desired.hosts;
  const digests: Record<string, string> = {};
  const conflicts: string[] = [];
  let base = new Set(validateDesired(desired));
  const settled = (c: { name: string; digest: string }): number =>
    rendered[c.name] === c.digest ? 0 : 1;
  for (const c of [...candidates].sort((a, b) => settled(a) - settled(b))) {
    const found = validateDesired({ ...desired, hosts: [...hosts, c.host] });
    const added = found.filter((i) => !base.has(i));
    if (added.length > 0) {
      conflicts.push(`member ${c.name} left out of the LAN: ${added.join('; ')}`);
      continue;
    }
    hosts.push(c.host);
    digests[c.name] = c.digest;
    base = new Set(found);
  }
  const notes: string[] = [];
  const site = spec.proxy.defaultSite;
  if (site !== undefined) {
    // The default site is a member's route: until a member exposes it there is nothing to default to.
    const exposed = hosts.some((h) =>
      h.expose.some((e) => e.host.toLowerCase() === site.toLowerCase()),
    );
    if (exposed) desired.proxy.defaultSite = site;
    else notes.push(`proxy.defaultSite ${site} is not exposed by any member yet; left out`);
  }
  return { desired, members: digests, notes, conflicts };
}
