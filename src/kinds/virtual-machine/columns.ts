/**
 * `pxr get virtualmachines` columns: NODE, VMID, STATE, IP (the guest agent's first address), PENDING
 * (a restart or a replacement waiting), and with `-o wide` also SOURCE, DNS and URLS. Values come from the
 * spec and the observed facts in status: no Proxmox call.
 */
import type { ObjectView, PrinterColumn } from '../../core/object-view.js';
import { asRecord } from '../../core/records.js';
import { ipColumn } from '../app-container/columns.js';

const str = (x: unknown): string =>
  typeof x === 'string' ? x || '-' : typeof x === 'number' ? String(x) : '-';

function condTrue(v: ObjectView, type: string): boolean {
  return v.status.conditions.some((c) => c.type === type && c.status === 'True');
}

function source(v: ObjectView): string {
  const s = asRecord(v.object.spec['source']);
  const clone = asRecord(s['clone']);
  if (clone['template'] !== undefined) return `clone:${str(clone['template'])}`;
  return str(str(s['image']).replace(/^.*\//, ''));
}

export const virtualMachineColumns: PrinterColumn[] = [
  { header: 'NODE', value: (v) => str(v.status.observed['node'] ?? v.object.spec['node']) },
  { header: 'VMID', value: (v) => str(v.status.observed['vmid'] ?? v.object.spec['vmid']) },
  { header: 'STATE', value: (v) => str(v.status.observed['state']) },
  {
    header: 'IP',
    value: (v: ObjectView): string => {
      const ips = v.status.observed['ips'];
      return Array.isArray(ips) ? ipColumn(ips[0]) : '-';
    },
  },
  {
    header: 'PENDING',
    value: (v) =>
      [
        condTrue(v, 'PendingRestart') ? 'restart' : '',
        condTrue(v, 'RequiresReplace') ? 'replace' : '',
      ]
        .filter((x) => x !== '')
        .join(',') || '-',
  },
  { header: 'SOURCE', wide: true, value: source },
  { header: 'DNS', wide: true, value: (v) => str(v.status.observed['dnsName']) },
  {
    header: 'URLS',
    wide: true,
    value: (v: ObjectView): string => {
      const u = v.status.observed['urls'];
      return Array.isArray(u) && u.length > 0 ? u.join(',') : '-';
    },
  },
];
