/**
 * Semantic checks of a Bridge beyond its JSON Schema: everything Proxmox would reject (or accept and
 * then fail on reload) is reported here, with a field path and a message that says how to fix it.
 * Runs on the raw spec even when the schema failed, so it only trusts values it has type-checked.
 */
import type { ManifestDoc, SourceIssue } from '../../source/types.js';
import {
  checkCidrV4,
  checkGatewayInCidr,
  checkIfaceName,
  checkIpv4,
  parseVlanList,
} from '../../source/checks.js';
import { isRecord } from '../../core/records.js';

export type SemanticIssue = Omit<SourceIssue, 'file' | 'line' | 'column'>;

export function validateBridge(doc: ManifestDoc): SemanticIssue[] {
  const spec = doc.spec;
  const issues: SemanticIssue[] = [];
  const add = (field: string, message: string): void => {
    issues.push({ field: `spec.${field}`, message });
  };

  const iface = spec['iface'];
  const vlan = spec['vlan'];
  const dotted = typeof iface === 'string' ? /^(\S+)\.(\d+)$/.exec(iface) : null;
  const isVlan = dotted !== null || vlan !== undefined;
  if (typeof iface === 'string') {
    const bad = checkIfaceName(iface);
    if (bad) add('iface', bad);
    else if (/:\d+$/.test(iface)) {
      // `vmbr0:1` is an alias to ifupdown, never an interface of its own.
      add('iface', `'${iface}' names an alias interface; try '${iface.replace(/:\d+$/, '')}'`);
    } else if (dotted && (Number(dotted[2]) < 1 || Number(dotted[2]) > 4094)) {
      add('iface', `VLAN id ${dotted[2]} of '${iface}' must be 1 to 4094`);
    }
  }
  if (isRecord(vlan)) {
    const device = vlan['device'];
    const id = vlan['id'];
    if (typeof device === 'string') {
      const bad = checkIfaceName(device);
      if (bad) add('vlan.device', bad);
      if (device === iface) add('vlan.device', `a VLAN interface cannot tag itself ('${device}')`);
      if (dotted && dotted[1] !== device) {
        add(
          'vlan.device',
          `'${String(iface)}' tags ${dotted[1]}, not ${device}: drop vlan or rename iface`,
        );
      }
    }
    const numbered = typeof iface === 'string' ? /^vlan(\d+)$/.exec(iface) : null;
    const carried = dotted?.[2] ?? numbered?.[1];
    if (carried !== undefined && typeof id === 'number' && Number(carried) !== id) {
      add('vlan.id', `'${String(iface)}' carries VLAN ${Number(carried)}, not ${id}`);
    }
  }
  if (isVlan) {
    const what = `'${String(iface)}' is a VLAN interface`;
    if (Array.isArray(spec['ports']) && spec['ports'].length > 0)
      add('ports', `${what}: it has no ports (set vlan.device to the interface it tags)`);
    if (spec['vlanAware'] === true) add('vlanAware', `${what}: only a bridge can be VLAN-aware`);
  }

  const ports = spec['ports'];
  if (Array.isArray(ports)) {
    const seen = new Map<string, number>();
    ports.forEach((port: unknown, i) => {
      if (typeof port !== 'string') return;
      const bad = checkIfaceName(port);
      if (bad) add(`ports[${i}]`, bad);
      if (port === iface) add(`ports[${i}]`, `a bridge cannot be its own port ('${port}')`);
      const first = seen.get(port);
      if (first !== undefined)
        add(`ports[${i}]`, `port '${port}' is listed twice (also ports[${first}])`);
      else seen.set(port, i);
    });
  }

  const cidr = spec['cidr'];
  const cidrOk = typeof cidr === 'string' && checkCidrV4(cidr) === undefined;
  if (typeof cidr === 'string' && !cidrOk) add('cidr', checkCidrV4(cidr) ?? '');

  const gateway = spec['gateway'];
  if (typeof gateway === 'string') {
    const bad = checkIpv4(gateway);
    if (bad) add('gateway', bad);
    else if (cidr === undefined) add('gateway', 'a gateway needs the bridge address: set cidr too');
    else if (cidrOk) {
      const outside = checkGatewayInCidr(gateway, cidr);
      if (outside) add('gateway', outside);
    }
  }

  const vids = spec['vids'];
  if (vids !== undefined) {
    if (isVlan)
      add('vids', `'${String(iface)}' is a VLAN interface: vids belong to a VLAN-aware bridge`);
    else if (spec['vlanAware'] !== true) {
      add('vids', 'vids only applies to a VLAN-aware bridge: set vlanAware: true or remove vids');
    }
    for (const e of parseVlanList(vids).errors) {
      add(e.index === undefined ? 'vids' : `vids[${e.index}]`, e.message);
    }
  }
  return issues;
}
