/**
 * `pxr get appliances` columns: NODE, VMID, STATE, LAN (bridge and gateway address), MEMBERS (how
 * many containers were rendered), and with `-o wide` also WAN, DOMAIN, ACCESS and SERVICES (those
 * not Ready). Values come from the spec and the observed facts in status: no Proxmox call.
 */
import type { ObjectView, PrinterColumn } from '../../core/object-view.js';
import { asRecord as rec } from '../../core/records.js';

const str = (x: unknown): string =>
  typeof x === 'string' ? x || '-' : typeof x === 'number' ? String(x) : '-';

const SERVICES: Array<[string, string]> = [
  ['DnsmasqReady', 'dnsmasq'],
  ['NftablesReady', 'nftables'],
  ['CaddyReady', 'caddy'],
];

const spec = (v: ObjectView): Record<string, unknown> => v.object.spec;

export const applianceColumns: PrinterColumn[] = [
  { header: 'NODE', value: (v) => str(v.status.observed['node'] ?? spec(v)['node']) },
  { header: 'VMID', value: (v) => str(v.status.observed['vmid'] ?? spec(v)['vmid']) },
  { header: 'STATE', value: (v) => str(v.status.observed['state']) },
  {
    header: 'LAN',
    value: (v) => `${str(rec(spec(v)['lan'])['bridge'])} ${str(rec(spec(v)['lan'])['cidr'])}`,
  },
  {
    header: 'MEMBERS',
    value: (v) => String(Object.keys(rec(v.status.observed['members'])).length),
  },
  { header: 'WAN', wide: true, value: (v) => str(rec(spec(v)['wan'])['bridge']) },
  { header: 'DOMAIN', wide: true, value: (v) => str(rec(spec(v)['dns'])['domain']) },
  { header: 'ACCESS', wide: true, value: (v) => str(rec(spec(v)['access'])['transport']) },
  {
    header: 'SERVICES',
    wide: true,
    value: (v: ObjectView): string => {
      const seen = SERVICES.map(([type, name]) => ({
        name,
        c: v.status.conditions.find((c) => c.type === type),
      }));
      if (seen.every((s) => s.c === undefined)) return '-';
      const bad = seen.filter((s) => s.c?.status !== 'True').map((s) => s.name);
      return bad.length === 0 ? 'ok' : `not ready: ${bad.join(',')}`;
    },
  },
];
