/** `pxr get sdnzones` columns: TYPE, UPLINK (vlan bridge or vxlan peers), DHCP, from the spec. */
import type { ObjectView, PrinterColumn } from '../../core/object-view.js';
import { scalarText } from '../sdn/values.js';

const spec = (v: ObjectView, k: string): unknown => v.object.spec[k];

function uplink(v: ObjectView): string {
  const peers = spec(v, 'peers');
  if (Array.isArray(peers)) return peers.map(scalarText).join(',');
  const b = spec(v, 'bridge');
  return typeof b === 'string' ? b : '-';
}

export const sdnZoneColumns: PrinterColumn[] = [
  { header: 'TYPE', value: (v) => scalarText(spec(v, 'type')) },
  { header: 'UPLINK', value: uplink },
  { header: 'DHCP', value: (v) => (spec(v, 'dhcp') === 'dnsmasq' ? 'dnsmasq' : '-') },
];
