/**
 * The AppContainer spec path of a planned config field (`cores` is `resources.cores`, `net0.gw` is
 * `network.gateway`), given as an alias so `pxr/drift-ignore` matches the name in the manifest as
 * well as the Proxmox key. Fields without a spec counterpart (`net0.hwaddr`, `description`) or
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

const NET0: Readonly<Record<string, string>> = {
  bridge: 'network.bridge',
  ip: 'network.ip',
  gw: 'network.gateway',
  firewall: 'network.firewall',
  tag: 'network.vlan',
  mtu: 'network.mtu',
  rate: 'network.rate',
};

export function specAliases(field: string): string[] | undefined {
  const top = TOP[field];
  if (top) return [top];
  const net = field.startsWith('net0.') ? NET0[field.slice(5)] : undefined;
  return net ? [net] : undefined;
}
