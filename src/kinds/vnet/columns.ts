/** `pxr get vnets` columns: ZONE, TAG, SUBNETS (CIDRs), GATEWAY (of the first subnet). */
import type { ObjectView, PrinterColumn } from '../../core/object-view.js';
import { isRecord } from '../../core/records.js';
import { scalarText } from '../sdn/values.js';

function subnets(v: ObjectView): Record<string, unknown>[] {
  const list = v.object.spec['subnets'];
  return Array.isArray(list) ? list.filter(isRecord) : [];
}

function gateway(v: ObjectView): string {
  const gw = subnets(v)[0]?.['gateway'];
  return typeof gw === 'string' ? gw : '-';
}

export const vnetColumns: PrinterColumn[] = [
  { header: 'ZONE', value: (v) => scalarText(v.object.spec['zone']) },
  { header: 'TAG', value: (v) => scalarText(v.object.spec['tag']) || '-' },
  {
    header: 'SUBNETS',
    value: (v) =>
      subnets(v)
        .map((s) => scalarText(s['cidr']))
        .join(',') || '-',
  },
  { header: 'GATEWAY', value: gateway },
];
