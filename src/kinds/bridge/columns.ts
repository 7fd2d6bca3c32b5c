/** `pxr get bridges` columns: NODE, IFACE, PORTS and CIDR, from the spec. */
import type { ObjectView, PrinterColumn } from '../../core/object-view.js';

function scalar(x: unknown): string {
  if (typeof x === 'string') return x;
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  return JSON.stringify(x);
}
const str = (x: unknown): string =>
  x === undefined || x === null ? '' : Array.isArray(x) ? x.map(scalar).join(',') : scalar(x);
const spec = (v: ObjectView, key: string): unknown => v.object.spec[key];

export const bridgeColumns: PrinterColumn[] = [
  { header: 'NODE', value: (v) => str(spec(v, 'node')) },
  { header: 'IFACE', value: (v) => str(spec(v, 'iface')) },
  { header: 'PORTS', value: (v) => str(spec(v, 'ports')) || '-' },
  { header: 'CIDR', value: (v) => str(spec(v, 'cidr')) || '-' },
];
