/**
 * Reads an ifupdown2 `/etc/network/interfaces` text into the records the Proxmox API returns, following
 * pve-common `PVE::Network::Interfaces::__read_etc_network_interfaces`: the interface type is derived
 * (a stanza with `bridge-ports` is a bridge, `eno1` is an eth, `bond0` a bond), addresses are split into
 * address/netmask/cidr, and values read from the file stay strings. OVS and vxlan are not modelled.
 */
import type { NetIface, NetIfaces } from './state.js';
import { netmaskBits, str } from './perl.js';

/** Physical NIC names as pve-common recognises them without `ip link`. */
export const PHYSICAL_NIC_RE = /^(?:eth\d+|en[^:.]+|ib[^:.]+|(?:nic|if)\d+)$/;

const OPTION_ALTERNATIVES: Record<string, string> = {
  ovs_mtu: 'mtu',
  'bond-slaves': 'slaves',
  bond_slaves: 'slaves',
  'bond-xmit-hash-policy': 'bond_xmit_hash_policy',
  'bond-mode': 'bond_mode',
  'bond-miimon': 'bond_miimon',
  'bridge-vlan-aware': 'bridge_vlan_aware',
  'bridge-fd': 'bridge_fd',
  'bridge-stp': 'bridge_stp',
  'bridge-ports': 'bridge_ports',
  'bridge-vids': 'bridge_vids',
};

const SIMPLE_OPTIONS = new Set([
  'mtu',
  'ovs_type',
  'ovs_options',
  'ovs_bridge',
  'ovs_bonds',
  'ovs_ports',
  'bridge_fd',
  'bridge_vids',
  'bridge-access',
  'bridge-learning',
  'bridge-arp-nd-suppress',
  'bridge-unicast-flood',
  'bridge-multicast-flood',
  'bridge-disable-mac-learning',
  'bond_miimon',
  'bond_xmit_hash_policy',
  'bond-primary',
  'link-type',
  'uplink-id',
  'vlan-protocol',
  'vlan-raw-device',
  'vlan-id',
  'vxlan-id',
  'vxlan-svcnodeip',
  'vxlan-physdev',
  'vxlan-local-tunnelip',
]);

/** Numeric bond modes as some files spell them; the reader always reports names. */
const BOND_MODES: Record<string, string> = {
  '0': 'balance-rr',
  '1': 'active-backup',
  '2': 'balance-xor',
  '3': 'broadcast',
  '4': '802.3ad',
  '5': 'balance-tlb',
  '6': 'balance-alb',
};

type Raw = Record<string, unknown>;

const STANZA_END = /^\s*(?:(?:iface|mapping|auto|source|source-directory)\s|allow-)/;

/**
 * Parses the file. `physical` lists the node's NICs: they are marked `exists: 1` and listed even when
 * the file omits them. `active` is not set here (it is kernel state, merged in by the views).
 */
export function parseInterfaces(text: string, physical: readonly string[]): NetIfaces {
  const ifaces: Record<string, Raw> = {};
  const get = (name: string): Raw => (ifaces[name] ??= {});
  const lines = text.split('\n');
  let priority = 2; // 1 is reserved for lo
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    i++;
    if (/^\s*#/.test(line)) continue;
    const auto = /^\s*(allow-auto|auto|allow-ovs|allow-hotplug)\s+(.*)$/.exec(line);
    if (auto) {
      for (const name of (auto[2] ?? '').split(/\s+/).filter(Boolean)) get(name).autostart = 1;
      continue;
    }
    const stanza = /^\s*iface\s+(\S+)(?:\s+(inet6?)\s+(\S+))?\s*$/.exec(line);
    if (!stanza) continue; // mappings and `source` lines are not modelled
    const name = stanza[1] ?? '';
    const family = stanza[2];
    const suffix = family === 'inet6' ? '6' : '';
    const d = get(name);
    if (!d.priority) d.priority = priority++;
    ((d.families ??= []) as (string | undefined)[]).push(family);
    const f: Raw = { method: stanza[3] };
    while (i < lines.length) {
      const l = (lines[i] ?? '').replace(/\s+$/, '');
      const comment = /^\s*#(.*?)\s*$/.exec(l);
      if (comment) {
        const to = family ? f : d;
        to.comments = `${(to.comments as string | undefined) ?? ''}${comment[1] ?? ''}\n`;
        i++;
        continue;
      }
      if (STANZA_END.test(l)) break;
      const opt = /^\s*((\S+)\s+(.+))$/.exec(l);
      if (!opt) break;
      i++;
      readOption(d, f, family, suffix, opt[1] ?? '', opt[2] ?? '', opt[3] ?? '');
    }
    if (family) for (const [k, v] of Object.entries(f)) d[`${k}${suffix}`] = v;
  }

  for (const nic of physical) get(nic).exists = 1;
  if (!ifaces.lo) {
    ifaces.lo = { priority: 1, method: 'loopback', type: 'loopback', autostart: 1 };
  }
  for (const name of Object.keys(ifaces).sort()) {
    const d = ifaces[name] as Raw;
    d.type = deriveType(name, d, ifaces, physical);
    splitAddress(d, '');
    splitAddress(d, '6');
    d.method ||= 'manual';
    d.method6 ||= 'manual';
    const comments6 = d.comments6;
    delete d.comments6;
    if (comments6) d.comments = `${str(d.comments)}${str(comments6)}`;
    if (!d.families) d.families = ['inet'];
  }
  const out: NetIfaces = {};
  for (const [name, d] of Object.entries(ifaces)) out[name] = { ...d, iface: name } as NetIface;
  return out;
}

function readOption(
  d: Raw,
  f: Raw,
  family: string | undefined,
  suffix: string,
  option: string,
  rawId: string,
  value: string,
): void {
  const id = OPTION_ALTERNATIVES[rawId] ?? rawId;
  if (id === 'address' || id === 'netmask' || id === 'broadcast' || id === 'gateway') {
    if (family) d[`${id}${suffix}`] = value;
    else if (id !== 'netmask' && value.includes(':')) d[`${id}6`] = value;
    else d[id] = value;
  } else if (SIMPLE_OPTIONS.has(id)) {
    d[id] = value;
  } else if (id === 'slaves' || id === 'bridge_ports') {
    const devs = new Set<string>();
    for (const p of value.split(/\s+/)) {
      if (p === 'none') {
        if (id === 'bridge_ports') d.is_empty_bridge = 1;
        continue;
      }
      if (p !== '') devs.add(p);
    }
    const joined = [...devs].sort().join(' ');
    if (d[id]) {
      if (joined) d[id] = `${str(d[id])} ${joined}`;
    } else {
      d[id] = joined;
    }
  } else if (id === 'bridge_stp') {
    d[id] = /^\s*(on|yes)\s*$/i.test(value) ? 'on' : 'off';
  } else if (id === 'bridge_vlan_aware') {
    d[id] = 1;
  } else if (id === 'bond_mode') {
    d[id] = BOND_MODES[value] ?? value;
  } else {
    const to = family ? f : d;
    ((to.options ??= []) as string[]).push(option);
  }
}

function deriveType(
  name: string,
  d: Raw,
  ifaces: Record<string, Raw>,
  physical: readonly string[],
): string {
  if (d.bridge_ports !== undefined || d.is_empty_bridge) {
    delete d.is_empty_bridge;
    d.bridge_stp ??= 'off';
    if (d.bridge_fd === undefined && d.bridge_stp === 'off') d.bridge_fd = 0;
    return 'bridge';
  }
  if (/^bond\d+$/.test(name)) return 'bond';
  const alias = /^(\S+):\d+$/.exec(name);
  if (alias) {
    d.exists = parentExists(ifaces, alias[1] ?? '');
    return 'alias';
  }
  const vlan = /^(\S+)\.(\d+)$/.exec(name);
  if (vlan || d['vlan-raw-device']) {
    if (vlan) {
      d['vlan-raw-device'] ||= vlan[1];
      if (vlan[2] && Number(vlan[2]) !== 0) d['vlan-id'] = vlan[2];
    } else {
      const numbered = /^vlan(\d+)$/.exec(name);
      if (numbered?.[1] && Number(numbered[1]) !== 0) d['vlan-id'] = numbered[1];
    }
    d.exists = parentExists(ifaces, String(d['vlan-raw-device']));
    return 'vlan';
  }
  if (physical.includes(name) || PHYSICAL_NIC_RE.test(name)) return 'eth';
  if (name === 'lo') return 'loopback';
  if (d['link-type'] === 'dummy') return 'dummy';
  return 'unknown';
}

/** A child shares its parent's `exists`: null when the parent has none (Perl undef), 0 when missing. */
function parentExists(ifaces: Record<string, Raw>, parent: string): unknown {
  const p = ifaces[parent];
  return p ? (p.exists ?? null) : 0;
}

function splitAddress(d: Raw, suffix: '' | '6'): void {
  const addr = d[`address${suffix}`];
  if (typeof addr !== 'string' || addr === '') return;
  const slash = /^(.+)\/(\d+)$/.exec(addr);
  if (slash) {
    d[`cidr${suffix}`] = addr;
    d[`address${suffix}`] = slash[1];
    d[`netmask${suffix}`] = slash[2];
    return;
  }
  const mask = d[`netmask${suffix}`];
  const bits =
    typeof mask === 'string' && /^\d+$/.test(mask)
      ? mask
      : typeof mask === 'string'
        ? netmaskBits(mask)?.toString()
        : undefined;
  if (bits !== undefined && mask) {
    d[`cidr${suffix}`] = `${addr}/${bits}`;
    // the IPv4 reader re-splits the cidr, so a dotted mask comes back as a prefix length
    if (suffix === '') d.netmask = bits;
  } else {
    d[`cidr${suffix}`] = `${addr}/${suffix === '' ? 32 : 128}`;
  }
}
