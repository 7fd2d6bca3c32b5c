/** SdnZone checks beyond the schema: the id Proxmox accepts, and the options each type needs. */
import type { ManifestDoc, SourceIssue } from '../../core/manifest.js';
import { sdnIdProblem } from '../sdn/ids.js';

type Issue = Omit<SourceIssue, 'file' | 'line' | 'column'>;

export function validateSdnZone(doc: ManifestDoc): Issue[] {
  const out: Issue[] = [];
  const bad = sdnIdProblem('zone', doc.name);
  if (bad) out.push({ field: 'metadata.name', message: bad });
  const s = doc.spec;
  const type = s['type'];
  if (type === 'vlan' && s['bridge'] === undefined)
    out.push({ field: 'spec.bridge', message: 'a vlan zone needs the bridge that carries it' });
  if (type !== 'vlan' && s['bridge'] !== undefined)
    out.push({
      field: 'spec.bridge',
      message: `only a vlan zone has a bridge (type is ${String(type)})`,
    });
  if (type === 'vxlan' && s['peers'] === undefined)
    out.push({ field: 'spec.peers', message: 'a vxlan zone needs its peers (every node address)' });
  if (type !== 'vxlan' && s['peers'] !== undefined)
    out.push({
      field: 'spec.peers',
      message: `only a vxlan zone has peers (type is ${String(type)})`,
    });
  if (s['dhcp'] !== undefined && s['ipam'] === undefined)
    out.push({ field: 'spec.ipam', message: 'DHCP needs an IPAM to record leases: add ipam: pve' });
  return out;
}
