import { nicPath } from '../guest-nics/nics.js';

/**
 * The AppContainer spec path of a planned config field (`cores` is `resources.cores`, `net1.gw` is
 * `networks[1].gateway`, `net0.gw` is `network.gateway` under the shorthand), given as an alias so
 * `pxr/drift-ignore` matches the name in the manifest as well as the Proxmox key. Fields without a spec counterpart (`net0.hwaddr`, `description`) or
 * spelled the same (`hostname`, `onboot`) have none.
 */
const TOP: Readonly<Record<string, string>> = {
  cores: 'resources.cores',
  memory: 'resources.memory',
  swap: 'resources.swap',
  nameserver: 'dns.nameservers',
  searchdomain: 'dns.searchdomain',
  'rootfs.size': 'resources.disk.size',
  'rootfs.storage': 'resources.disk.storage',
};

const NIC: Readonly<Record<string, string>> = {
  bridge: 'bridge',
  ip: 'ip',
  gw: 'gateway',
  firewall: 'firewall',
  tag: 'vlan',
  mtu: 'mtu',
  rate: 'rate',
};

export function specAliases(field: string, spec: Record<string, unknown>): string[] | undefined {
  const top = TOP[field];
  if (top) return [top];
  const m = /^net(\d+)(?:\.(.+))?$/.exec(field);
  if (!m?.[1]) return undefined;
  const at = nicPath(spec, Number(m[1]));
  if (m[2] === undefined) return [at];
  const key = NIC[m[2]];
  return key ? [`${at}.${key}`] : undefined;
}
