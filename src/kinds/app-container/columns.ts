/**
 * `pxr get appcontainers` columns: NODE, VMID, STATE, IP, DNS (members of an appliance LAN), and
 * with `-o wide` also BRIDGE, URLS (expose entries), TEMPLATE and PENDING (a restart or a replacement waiting). READY and DRIFT are the CLI's common
 * status columns. Values come from the spec and the observed facts in status: no Proxmox call.
 */
import type { ObjectView } from '../../store/queries.js';

export interface AppContainerColumn {
  header: string;
  value(v: ObjectView): string;
}

const str = (x: unknown): string =>
  typeof x === 'string' ? x || '-' : typeof x === 'number' ? String(x) : '-';

function spec(v: ObjectView): Record<string, unknown> {
  return v.object.spec;
}

function net(v: ObjectView): Record<string, unknown> {
  const n = spec(v)['network'];
  return n && typeof n === 'object' ? (n as Record<string, unknown>) : {};
}

function condTrue(v: ObjectView, type: string): boolean {
  return v.status.conditions.some((c) => c.type === type && c.status === 'True');
}

export function appContainerColumns(wide: boolean): AppContainerColumn[] {
  const cols: AppContainerColumn[] = [
    { header: 'NODE', value: (v) => str(v.status.observed['node'] ?? spec(v)['node']) },
    { header: 'VMID', value: (v) => str(v.status.observed['vmid'] ?? spec(v)['vmid']) },
    { header: 'STATE', value: (v) => str(v.status.observed['state']) },
    { header: 'IP', value: (v) => str(v.status.observed['ip']) },
    { header: 'DNS', value: (v) => str(v.status.observed['dnsName']) },
  ];
  if (wide) {
    cols.push(
      { header: 'BRIDGE', value: (v) => str(net(v)['bridge'] ?? net(v)['appliance']) },
      {
        header: 'URLS',
        value: (v) => {
          const u = v.status.observed['urls'];
          return Array.isArray(u) && u.length > 0 ? u.join(',') : '-';
        },
      },
      {
        header: 'TEMPLATE',
        value: (v) => str(str(spec(v)['template']).replace(/^.*\//, '')),
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
    );
  }
  return cols;
}
