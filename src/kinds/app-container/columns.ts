/**
 * `pxr get appcontainers` columns: NODE, VMID, STATE, IP, DNS (members of an appliance LAN), and
 * with `-o wide` also BRIDGE, URLS (expose entries), TEMPLATE and PENDING (a restart or a replacement
 * waiting). READY and DRIFT are the CLI's common status columns. Values come from the spec and the
 * observed facts in status (and, for BRIDGE of an appliance member, the appliance's spec): no
 * Proxmox call.
 */
import type { ObjectView, PrinterColumn, ViewLookup } from '../../core/object-view.js';
import { asRecord } from '../../core/records.js';

const str = (x: unknown): string =>
  typeof x === 'string' ? x || '-' : typeof x === 'number' ? String(x) : '-';

function spec(v: ObjectView): Record<string, unknown> {
  return v.object.spec;
}

function net(v: ObjectView): Record<string, unknown> {
  return asRecord(spec(v)['network']);
}

/**
 * The address without its prefix: a static address is recorded as `10.20.0.11/24` and a DHCP one as
 * `/interfaces` reports it (with a prefix), but an appliance reservation or lease has none, and one
 * column should not mix both forms.
 */
export function ipColumn(ip: unknown): string {
  return typeof ip === 'string' && ip !== '' ? (ip.split('/')[0] ?? ip) : '-';
}

function bridgeOf(v: ObjectView, lookup: ViewLookup): string {
  const n = net(v);
  if (typeof n['bridge'] === 'string') return str(n['bridge']);
  if (typeof n['appliance'] !== 'string') return '-';
  // A member sits on its appliance's LAN bridge.
  const lan = lookup({ kind: 'Appliance', name: n['appliance'] })?.object.spec['lan'];
  return str(asRecord(lan)['bridge']);
}

function condTrue(v: ObjectView, type: string): boolean {
  return v.status.conditions.some((c) => c.type === type && c.status === 'True');
}

export const appContainerColumns: PrinterColumn[] = [
  { header: 'NODE', value: (v) => str(v.status.observed['node'] ?? spec(v)['node']) },
  { header: 'VMID', value: (v) => str(v.status.observed['vmid'] ?? spec(v)['vmid']) },
  { header: 'STATE', value: (v) => str(v.status.observed['state']) },
  { header: 'IP', value: (v) => ipColumn(v.status.observed['ip']) },
  { header: 'DNS', value: (v) => str(v.status.observed['dnsName']) },
  { header: 'BRIDGE', wide: true, value: (v, lookup) => bridgeOf(v, lookup) },
  {
    header: 'URLS',
    wide: true,
    value: (v: ObjectView): string => {
      const u = v.status.observed['urls'];
      return Array.isArray(u) && u.length > 0 ? u.join(',') : '-';
    },
  },
  {
    header: 'TEMPLATE',
    wide: true,
    value: (v) => str(str(spec(v)['template']).replace(/^.*\//, '')),
  },
  {
    header: 'PENDING',
    wide: true,
    value: (v) =>
      [
        condTrue(v, 'PendingRestart') ? 'restart' : '',
        condTrue(v, 'RequiresReplace') ? 'replace' : '',
      ]
        .filter((x) => x !== '')
        .join(',') || '-',
  },
];
