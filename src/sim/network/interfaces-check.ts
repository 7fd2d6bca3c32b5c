/**
 * The consistency checks (and small rewrites) pve-common runs before it writes the interfaces file
 * (`__write_etc_network_interfaces`). They `die`, so a bad edit is a 500 with Proxmox's text and
 * nothing is written. OVS, vxlan and uplink checks are not modelled.
 */
import type { NetIface, NetIfaces } from './state.js';
import { die } from '../types.js';
import { perlTrue, splitList, splitWhitespace } from './perl.js';

const BRIDGE_PORT_OPTIONS = [
  'bridge-learning',
  'bridge-arp-nd-suppress',
  'bridge-unicast-flood',
  'bridge-multicast-flood',
  'bridge-access',
] as const;

/** Returns a checked copy ready to render: cidr folded into address, bond slaves set to autostart. */
export function prepareForWrite(config: NetIfaces): NetIfaces {
  const ifaces = foldCidr(config);
  const names = Object.keys(ifaces).sort();
  const usedPorts: Record<string, string> = {};
  for (const name of names) {
    const d = ifaces[name] as NetIface;
    const ports = ['bridge_ports', 'ovs_ports', 'slaves', 'ovs_bonds'].flatMap((k) =>
      perlTrue(d[k]) ? splitList(d[k]) : [],
    );
    for (const p of ports) {
      const user = usedPorts[p];
      if (user !== undefined && user !== name) {
        die(`port '${p}' is already used on interface '${user}'`);
      }
      usedPorts[p] = name;
    }
  }
  checkBonds(ifaces, names);
  checkVlans(ifaces, names);
  checkBridges(ifaces, names);
  return ifaces;
}

/** A copy with `cidr` folded back into `address` where the address is missing (the writer's first step). */
export function foldCidr(config: NetIfaces): NetIfaces {
  const ifaces = structuredClone(config);
  for (const d of Object.values(ifaces)) {
    const { cidr, cidr6 } = d;
    delete d.cidr;
    delete d.cidr6;
    if (d.address === undefined && cidr !== undefined) d.address = cidr;
    if (d.address6 === undefined && cidr6 !== undefined) d.address6 = cidr6;
  }
  return ifaces;
}

function checkBonds(ifaces: NetIfaces, names: string[]): void {
  for (const name of names) {
    const d = ifaces[name] as NetIface;
    if (d.type !== 'bond' || !perlTrue(d.slaves)) continue;
    let primaryIsSlave = false;
    for (const p of splitWhitespace(d.slaves)) {
      const n = ifaces[p];
      if (!n) die(`bond '${name}' - unable to find slave '${p}'`);
      n.autostart = 1;
      if (n.type !== 'eth' && n.type !== 'bond') {
        die(`bond '${name}' - wrong interface type on slave '${p}' ('${n.type}' != 'eth or bond')`);
      }
      checkMtu(ifaces, name, p);
      if (perlTrue(d['bond-primary']) && d['bond-primary'] === p) primaryIsSlave = true;
    }
    if (perlTrue(d['bond-primary']) && !primaryIsSlave) {
      die(`bond '${name}' - bond-primary interface is not a slave`);
    }
  }
}

function checkVlans(ifaces: NetIfaces, names: string[]): void {
  for (const name of names) {
    const d = ifaces[name] as NetIface;
    if (d.type !== 'vlan') continue;
    let parent: string;
    let vlanId: number;
    const dotted = /^(\S+)\.(\d+)$/.exec(name);
    if (dotted) {
      parent = dotted[1] ?? '';
      vlanId = Number(dotted[2]);
      delete d['vlan-raw-device'];
      delete d['vlan-id'];
    } else {
      if (!perlTrue(d['vlan-raw-device'])) die('missing vlan-raw-device option');
      parent = String(d['vlan-raw-device']);
      const numbered = /^vlan(\d+)$/.exec(name);
      if (numbered) {
        vlanId = Number(numbered[1]);
        delete d['vlan-id'];
      } else {
        if (!perlTrue(d['vlan-id'])) die('missing vlan-id option');
        vlanId = Number(d['vlan-id']);
      }
    }
    if (vlanId > 4094) die(`vlan '${name}' - vlan-id ${vlanId} should be <= 4094`);
    const n = ifaces[parent];
    if (!n) die(`vlan '${name}' - unable to find parent '${parent}'`);
    if (!['eth', 'bridge', 'bond', 'vlan'].includes(n.type)) {
      die(
        `vlan '${name}' - wrong interface type on parent '${parent}' ('${n.type}' != 'eth|bond|bridge|vlan' )`,
      );
    }
    checkMtu(ifaces, parent, name);
  }
}

function checkBridges(ifaces: NetIfaces, names: string[]): void {
  // vlan ports such as eno1.10 need no stanza of their own: the check works on a copy that has them
  const copy: Record<string, Partial<NetIface>> = { ...ifaces };
  const bridgePorts: Record<string, string> = {};
  for (const name of names) {
    const d = copy[name] as NetIface;
    if (d.type !== 'bridge') continue;
    for (const p of splitWhitespace(d.bridge_ports ?? '')) {
      const vlan = /(\S+)\.(\d+)$/.exec(p);
      if (vlan && copy[p] === undefined) {
        const parentMtu = copy[vlan[1] ?? '']?.mtu;
        copy[p] = {
          type: 'vlan',
          method: 'manual',
          method6: 'manual',
          ...(parentMtu === undefined ? {} : { mtu: parentMtu }),
        };
      }
      const n = copy[p];
      if (!n) die(`bridge '${name}' - unable to find bridge port '${p}'`);
      if (
        (n.method === 'static' && n.address !== '0.0.0.0') ||
        (n.method6 === 'static' && n.address6 !== '::')
      ) {
        die(`iface ${p} - ip address can't be set on interface if bridged in ${name}`);
      }
      checkMtu(copy, p, name);
      bridgePorts[p] = name;
    }
  }
  for (const name of names) {
    const d = ifaces[name] as NetIface;
    for (const k of BRIDGE_PORT_OPTIONS) {
      if (perlTrue(d[k]) && bridgePorts[name] === undefined) {
        die(
          `iface ${name} - ${k}: bridge port specific options can be used only on interfaces attached to a bridge`,
        );
      }
    }
    const bridge = ifaces[bridgePorts[name] ?? ''];
    if (perlTrue(d['bridge-access']) && !perlTrue(bridge?.bridge_vlan_aware)) {
      die(
        `iface ${name} - bridge-access option can be only used if interface is in a vlan aware bridge`,
      );
    }
  }
}

/** A child (bridge on a port, vlan on a parent) may not have a larger MTU than its parent. */
function checkMtu(ifaces: Record<string, Partial<NetIface>>, parent: string, child: string): void {
  const cmtu = ifaces[child]?.mtu;
  if (!perlTrue(cmtu)) return;
  const p = ifaces[parent];
  let pmtu = p?.mtu;
  if (p?.type === 'bond' && !perlTrue(pmtu)) pmtu = cmtu;
  if (!perlTrue(pmtu)) pmtu = 1500;
  if (Number(pmtu) < Number(cmtu)) {
    die(
      `interface '${parent}' - mtu ${String(pmtu)} is lower than '${child}' - mtu ${String(cmtu)}`,
    );
  }
}
