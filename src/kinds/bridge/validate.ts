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

export type SemanticIssue = Omit<SourceIssue, 'file' | 'line' | 'column'>;

export function validateBridge(doc: ManifestDoc): SemanticIssue[] {
  const spec = doc.spec;
  const issues: SemanticIssue[] = [];
  const add = (field: string, message: string): void => {
    issues.push({ field: `spec.${field}`, message });
  };

  const iface = spec['iface'];
  if (typeof iface === 'string') {
    const bad = checkIfaceName(iface);
    if (bad) add('iface', bad);
    else if (/[:.]\d+$/.test(iface)) {
      // `vmbr0.10` is a VLAN interface and `vmbr0:1` an alias to ifupdown, never a bridge.
      add(
        'iface',
        `'${iface}' names a VLAN or alias interface, not a bridge; try '${iface.replace(/[:.]\d+$/, '')}'`,
      );
    }
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
    if (spec['vlanAware'] !== true) {
      add('vids', 'vids only applies to a VLAN-aware bridge: set vlanAware: true or remove vids');
    }
    for (const e of parseVlanList(vids).errors) {
      add(e.index === undefined ? 'vids' : `vids[${e.index}]`, e.message);
    }
  }
  return issues;
}
