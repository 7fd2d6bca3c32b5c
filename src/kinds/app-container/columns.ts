/**
 * `pxr get appcontainers` columns: NODE, VMID, STATE, IP, DNS (members of an appliance LAN), and
 * with `-o wide` also BRIDGE (of every NIC), NICS (every NIC's address, and the NICs pxr does not
 * manage), URLS (expose entries), TEMPLATE and PENDING (a restart or a replacement
 * waiting). READY and DRIFT are the CLI's common status columns. Values come from the spec and the
 * observed facts in status (and, for BRIDGE of an appliance member, the appliance's spec): no
 * Proxmox call.
 */
import type { ObjectView, PrinterColumn, ViewLookup } from '../../core/object-view.js';
import { asRecord } from '../../core/records.js';
import { rawNics } from '../guest-nics/nics.js';

const str = (x: unknown): string =>
  typeof x === 'string' ? x || '-' : typeof x === 'number' ? String(x) : '-';

function spec(v: ObjectView): Record<string, unknown> {
  return v.object.spec;
}

/**
 * The address without its prefix: a static address is recorded as `10.20.0.11/24` and a DHCP one as
 * `/interfaces` reports it (with a prefix), but an appliance reservation or lease has none, and one
 * column should not mix both forms.
 */
export function ipColumn(ip: unknown): string {
  return typeof ip === 'string' && ip !== '' ? (ip.split('/')[0] ?? ip) : '-';
}

/** Every NIC's bridge, in order (`vmbr0,vmbr100`). */
function bridgeOf(v: ObjectView, lookup: ViewLookup): string {
  const out = rawNics(spec(v)).map((n) => {
    if (typeof n['bridge'] === 'string') return str(n['bridge']);
    if (typeof n['appliance'] !== 'string') return '-';
    // A member sits on its appliance's LAN bridge.
    const lan = lookup({ kind: 'Appliance', name: n['appliance'] })?.object.spec['lan'];
    return str(asRecord(lan)['bridge']);
  });
  return out.length > 0 ? out.join(',') : '-';
}

/**
 * Every NIC with its address (`net0=10.0.20.7,net1=172.16.100.10`), then the NICs pxr does not
 * manage (`net2(unmanaged)`).
 */
function nicsOf(v: ObjectView): string {
  const o = v.status.observed;
  const ips = asRecord(o['ips']);
  const n = rawNics(spec(v)).length;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const ip = ips[`net${i}`] ?? (i === 0 ? o['ip'] : undefined);
    out.push(`net${i}=${ipColumn(ip)}`);
  }
  const foreign = o['unmanagedNics'];
  if (Array.isArray(foreign)) for (const k of foreign) out.push(`${String(k)}(unmanaged)`);
  return out.length > 0 ? out.join(',') : '-';
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
  { header: 'NICS', wide: true, value: nicsOf },
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
