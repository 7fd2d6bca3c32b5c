/**
 * What a container's NICs are, as pxr keeps track of them between passes: the MAC pinned on each NIC
 * (recorded once, kept stable), the NICs pxr does not manage (reported), and every NIC's address
 * (static, an appliance member's, or a DHCP lease read once per start and per network).
 */
import { lxcInterfaces, type LxcConfigRead } from '../../pve/lxc.js';
import { applianceNic, nicIndex } from '../guest-nics/nics.js';
import { memberHost, memberIp, memberMac, memberUrls } from './appliance-join.js';
import { netKeys, observedState, type CanonicalConfig, type NetKey } from './normalize.js';
import { recordedMac, setRecordedMac } from './observed.js';
import type { Pass } from './pass.js';
import type { Located } from './plan-state.js';
import { parseProps } from './propstring.js';

/** The MAC pxr pins on NIC `i`: the one recorded, or a member's derived one for a new appliance NIC. */
export function macOf(p: Pass): (index: number) => string | undefined {
  const member = applianceNic(p.spec.nics)?.index;
  return (i) => recordedMac(p.obs, i) ?? (i === member ? memberMac(p.obj.uid) : undefined);
}

/**
 * NICs on the container the spec does not list and pxr did not make (no MAC recorded for them): a
 * NIC pxr made and the spec dropped is pxr's to remove.
 */
export function unmanagedNics(p: Pass, config: CanonicalConfig): NetKey[] {
  return netKeys(config).filter((k) => {
    const i = nicIndex(k) ?? 0;
    return i >= p.spec.nics.length && recordedMac(p.obs, i) === undefined;
  });
}

/**
 * Records the MAC of every NIC the spec lists (kept stable from then on) and forgets the MAC of a NIC
 * pxr made once it is gone, from a config just read (before planning, and after a PUT).
 */
export function recordMacs(p: Pass, read: LxcConfigRead): void {
  const obs = p.obs;
  const seen = observedState(read.effective, true);
  p.spec.nics.forEach((_, i) => {
    const mac = seen.macs.get(`net${i}`);
    if (recordedMac(obs, i) === undefined && mac !== undefined) setRecordedMac(obs, i, mac);
  });
  for (const k of Object.keys(obs.nicMacs ?? {})) {
    const i = nicIndex(k) ?? 0;
    if (i >= p.spec.nics.length && !seen.macs.has(k)) setRecordedMac(obs, i, undefined);
  }
}

/** Reports NICs pxr does not manage: in status, and a Warning when one appears. */
export function reportUnmanaged(p: Pass, loc: Located): void {
  const obs = p.obs;
  const seen = observedState(loc.read.effective, false);
  const unmanaged = unmanagedNics(p, seen.config);
  const known = new Set(obs.unmanagedNics ?? []);
  const fresh = unmanaged.filter((k) => !known.has(k));
  if (fresh.length > 0 && p.spec.nicPolicy !== 'authoritative')
    p.events.push({
      type: 'Warning',
      reason: 'UnmanagedNic',
      message: `CT ${loc.vmid} has ${fresh.map((k) => `${k} (${seen.config[k] ?? ''})`).join(', ')}, which the spec does not list; left in place (nicPolicy: authoritative removes it)`,
    });
  if (unmanaged.length > 0) obs.unmanagedNics = unmanaged;
  else delete obs.unmanagedNics;
}

/** Addresses read from a running container are stale once it (re)starts. */
export function forgetIps(p: Pass, vmid: number): void {
  delete p.obs.ip;
  delete p.obs.ips;
  p.sh.ipProbes.delete(vmid);
}

/**
 * Every NIC's address: the static one from the spec, an appliance member's reservation or lease as
 * its appliance saw it, or a DHCP lease read from `/interfaces` — once per start and per network the
 * NICs are on (one read for all of them). eth0's is `ip`; with several NICs `ips` has each one.
 */
export async function observeIp(p: Pass, loc: Located, status: string): Promise<void> {
  const s = p.spec;
  const ips: (string | undefined)[] = s.nics.map(() => undefined);
  const member = applianceNic(s.nics);
  if (member && p.lan) {
    p.obs.dnsName = `${memberHost(s)}.${p.lan.domain}`;
    if (s.expose.length > 0) p.obs.urls = memberUrls(s, p.lan);
    else delete p.obs.urls;
    // The appliance re-renders when this member's status changes (its watch on AppContainer).
    const appliance = p.ctx.getStatus({ kind: 'Appliance', name: member.name });
    ips[member.index] = memberIp(s, recordedMac(p.obs, member.index), appliance);
  }
  const dhcp: number[] = [];
  s.nics.forEach((nic, i) => {
    if (ips[i] !== undefined || nic.ip === 'none') return;
    if (nic.ip === 'dhcp') dhcp.push(i);
    else ips[i] = nic.ip;
  });
  if (dhcp.length === 0) delete p.obs.ipOn;
  else await readLeases(p, loc, status, dhcp, ips);
  const first = ips[0];
  if (first !== undefined) p.obs.ip = first;
  else delete p.obs.ip;
  const all: Record<string, string> = {};
  ips.forEach((ip, i) => {
    if (ip !== undefined) all[`net${i}`] = ip;
  });
  if (s.nics.length > 1 && Object.keys(all).length > 0) p.obs.ips = all;
  else delete p.obs.ips;
}

/** The lease of each DHCP NIC in `dhcp`, into `ips` (what was read before, while still valid). */
async function readLeases(
  p: Pass,
  loc: Located,
  status: string,
  dhcp: number[],
  ips: (string | undefined)[],
): Promise<void> {
  if (status !== 'running') {
    delete p.obs.ipOn;
    return;
  }
  const before = (i: number): string | undefined =>
    p.obs.ips?.[`net${i}`] ?? (i === 0 ? p.obs.ip : undefined);
  // A lease belongs to the network it was taken on: moved (bridge, VLAN tag or MAC), read again.
  const on = dhcp
    .map((i) => {
      const net = parseProps(loc.read.effective[`net${i}`]);
      const seg = `${net['bridge'] ?? ''}#${net['tag'] ?? ''}#${(net['hwaddr'] ?? '').toLowerCase()}`;
      return i === 0 ? seg : `net${i}=${seg}`;
    })
    .join('|');
  if (p.obs.ipOn === on) {
    for (const i of dhcp) ips[i] = before(i);
    if (dhcp.every((i) => ips[i] !== undefined)) return;
  } else {
    p.sh.ipProbes.delete(loc.vmid);
  }
  // No lease yet: ask again later, not on every sweep (the sweep stays at one read per container).
  const now = p.sh.deps.clock.now();
  const last = p.sh.ipProbes.get(loc.vmid);
  if (last !== undefined && now - last < (p.sh.deps.ipRetryMs ?? 600_000)) return;
  const ifs = await lxcInterfaces(p.sh.deps.pve, loc.node, loc.vmid);
  p.obs.ipOn = on;
  for (const i of dhcp) {
    const inet = ifs?.find((x) => x.name === `eth${i}`)?.inet;
    if (inet) ips[i] = inet;
  }
  if (dhcp.every((i) => ips[i] !== undefined)) p.sh.ipProbes.delete(loc.vmid);
  else p.sh.ipProbes.set(loc.vmid, now);
}
