/**
 * The create/update/delete logic of pve-manager `PVE::API2::Network`, as pure functions over a parsed
 * configuration: same checks, same order, same error texts. The caller writes the result to the
 * pending file (`interfaces.new`). Parameters arrive validated and coerced (booleans as 0/1).
 */
import type { NetIface, NetIfaces } from './state.js';
import { die, paramError } from '../types.js';
import { perlTrue, splitList } from './perl.js';

type Params = Record<string, unknown>;

const PORT_KEYS = ['bridge_ports', 'ovs_ports', 'slaves', 'ovs_bonds'] as const;

/** `POST /nodes/{node}/network`: returns the new configuration. */
export function createIface(config: NetIfaces, iface: string, params: Params): NetIfaces {
  const ifaces = structuredClone(config);
  const p: Params = { ...params };
  if (ifaces[iface]) paramError({ iface: 'interface already exists' });
  if (perlTrue(p.gateway)) checkDuplicate(ifaces, iface, 'gateway', 'Default gateway');
  if (perlTrue(p.gateway6)) checkDuplicate(ifaces, iface, 'gateway6', 'Default ipv6 gateway');
  checkDuplicatePorts(ifaces, iface, p);
  mapCidrToAddressNetmask(p);

  const families: string[] = [];
  if (perlTrue(p.address)) families.push('inet');
  if (perlTrue(p.address6)) families.push('inet6');
  p.families = families.length > 0 ? families : ['inet'];
  p.method = perlTrue(p.address) ? 'static' : 'manual';
  p.method6 = perlTrue(p.address6) ? 'static' : 'manual';

  // the simulated nodes have no openvswitch-switch, like a default installation
  if (String(p.type).startsWith('OVS')) {
    die("Open VSwitch is not installed (need package 'openvswitch-switch')");
  }
  if (perlTrue(p.bridge_vids)) {
    const vids = splitList(p.bridge_vids);
    if (vids.length === 0) paramError({ bridge_vids: 'VLAN list items are empty' });
    // Proxmox re-joins the list with spaces: other separators break ifupdown2
    p.bridge_vids = vids.join(' ');
  }
  ifaces[iface] = { ...p, iface } as NetIface;
  return ifaces;
}

/** `PUT /nodes/{node}/network/{iface}`: returns the new configuration. */
export function updateIface(
  config: NetIfaces,
  iface: string,
  params: Params,
  deleteList: string | undefined,
): NetIfaces {
  const ifaces = structuredClone(config);
  const p: Params = { ...params };
  const d = ifaces[iface];
  if (!d) paramError({ iface: 'interface does not exist' });

  for (const k of splitList(deleteList)) {
    delete d[k];
    if (k === 'cidr') {
      delete d.netmask;
      delete d.address;
    } else if (k === 'cidr6') {
      delete d.netmask6;
      delete d.address6;
    }
  }
  mapCidrToAddressNetmask(p);
  if (perlTrue(p.gateway)) checkDuplicate(ifaces, iface, 'gateway', 'Default gateway');
  if (perlTrue(p.gateway6)) checkDuplicate(ifaces, iface, 'gateway6', 'Default ipv6 gateway');
  checkDuplicatePorts(ifaces, iface, p);

  // Proxmox derives families and methods from the *request* only: an update without `address`
  // switches the stanza to `inet manual` even though the stored address stays (the GUI always
  // sends every field). Kept on purpose: clients must do the same.
  const families: string[] = [];
  if (perlTrue(p.address)) families.push('inet');
  if (perlTrue(p.address6)) families.push('inet6');
  p.families = families.length > 0 ? families : ['inet'];
  p.method = perlTrue(p.address) ? 'static' : 'manual';
  p.method6 = perlTrue(p.address6) ? 'static' : 'manual';

  for (const [k, v] of Object.entries(p)) d[k] = v;
  if (perlTrue(p.bridge_vids) && splitList(p.bridge_vids).length === 0) {
    paramError({ bridge_vids: 'VLAN list items are empty' });
  }
  return ifaces;
}

/** `DELETE /nodes/{node}/network/{iface}`: returns the new configuration. */
export function deleteIface(config: NetIfaces, iface: string): NetIfaces {
  const ifaces = structuredClone(config);
  if (!ifaces[iface]) paramError({ iface: 'interface does not exist' });
  delete ifaces[iface];
  return ifaces;
}

function checkDuplicate(ifaces: NetIfaces, iface: string, key: string, name: string): void {
  for (const other of Object.keys(ifaces).sort()) {
    if (other !== iface && perlTrue(ifaces[other]?.[key])) {
      paramError({ [key]: `${name} already exists on interface '${other}'.` });
    }
  }
}

function portList(d: Params): { ports: string[]; paramName: string | undefined } {
  let paramName: string | undefined;
  const ports: string[] = [];
  for (const k of PORT_KEYS) {
    if (perlTrue(d[k])) {
      ports.push(...splitList(d[k]));
      paramName ??= k;
    }
  }
  return { ports, paramName };
}

function checkDuplicatePorts(ifaces: NetIfaces, iface: string, params: Params): void {
  const { ports, paramName } = portList(params);
  const wanted = new Set(ports);
  if (wanted.size === 0 || paramName === undefined) return;
  for (const other of Object.keys(ifaces).sort()) {
    if (other === iface) continue;
    for (const p of portList(ifaces[other] as Params).ports) {
      if (wanted.has(p))
        paramError({ [paramName]: `${p} is already used on interface '${other}'.` });
    }
  }
}

/** `cidr` → address + prefix-length netmask (the reader prints the prefix length too). */
function mapCidrToAddressNetmask(p: Params): void {
  if (perlTrue(p.cidr)) {
    if (perlTrue(p.address)) paramError({ address: 'address conflicts with cidr' });
    if (perlTrue(p.netmask)) paramError({ netmask: 'netmask conflicts with cidr' });
    const m = /^(.*)\/(\d+)$/.exec(String(p.cidr));
    p.address = m?.[1];
    p.netmask = m?.[2];
    delete p.cidr;
  }
  if (perlTrue(p.cidr6)) {
    if (perlTrue(p.address6)) paramError({ address6: 'address6 conflicts with cidr6' });
    if (perlTrue(p.netmask6)) paramError({ netmask6: 'netmask6 conflicts with cidr6' });
    const m = /^(.*)\/(\d+)$/.exec(String(p.cidr6));
    p.address6 = m?.[1];
    p.netmask6 = m?.[2];
    delete p.cidr6;
  }
}
