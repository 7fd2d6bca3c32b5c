/** `pxr get issuers` columns: TYPE (acme, ca, selfSigned) and, for a CA, when it expires. */
import type { ObjectView, PrinterColumn } from '../../core/object-view.js';

function expires(v: ObjectView): string {
  const at = v.status?.observed['notAfter'];
  return typeof at === 'string' ? at.slice(0, 10) : '-';
}

export const issuerColumns: PrinterColumn[] = [
  {
    header: 'TYPE',
    value: (v) => (v.object.spec['acme'] ? 'acme' : v.object.spec['ca'] ? 'ca' : 'selfSigned'),
  },
  { header: 'EXPIRES', value: expires },
];
