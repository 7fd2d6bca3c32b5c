/** `pxr get firewallpolicies` columns: MODE, GROUPS, GUESTS (entries) and ENFORCE, from the spec. */
import type { ObjectView, PrinterColumn } from '../../core/object-view.js';

const spec = (v: ObjectView, key: string): unknown => v.object.spec[key];
const count = (x: unknown): string => (Array.isArray(x) ? String(x.length) : '0');

export const firewallPolicyColumns: PrinterColumn[] = [
  {
    header: 'MODE',
    value: (v) => (typeof spec(v, 'mode') === 'string' ? (spec(v, 'mode') as string) : 'merge'),
  },
  { header: 'GROUPS', value: (v) => count(spec(v, 'groups')) },
  { header: 'GUESTS', value: (v) => count(spec(v, 'guests')) },
  { header: 'ENFORCE', value: (v) => (spec(v, 'enforce') === true ? 'yes' : 'no') },
];
