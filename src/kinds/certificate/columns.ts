/** `pxr get certificates` columns: ISSUER, NODE, EXPIRES and RENEWS (from status). */
import type { ObjectView, PrinterColumn } from '../../core/object-view.js';

const at = (v: ObjectView, key: string): string => {
  const x = v.status?.observed[key];
  return typeof x === 'string' ? x.replace('T', ' ').slice(0, 16) : '-';
};

export const certificateColumns: PrinterColumn[] = [
  {
    header: 'ISSUER',
    value: (v) =>
      String((v.object.spec['issuerRef'] as { name?: string } | undefined)?.name ?? '-'),
  },
  {
    header: 'NODE',
    value: (v) =>
      String(
        (v.object.spec['targets'] as { node?: { name?: string } } | undefined)?.node?.name ?? '-',
      ),
  },
  { header: 'EXPIRES', value: (v) => at(v, 'notAfter') },
  { header: 'RENEWS', value: (v) => at(v, 'renewalTime') },
];
