/**
 * A guest's NICs from its config (`GET /nodes/{node}/lxc|qemu/{vmid}/config`): `netN` property
 * strings, and for a VM the address from cloud-init's `ipconfigN` (a VM's `netN` has none).
 */
import { parseProps } from '../../app-container/propstring.js';
import type { GuestNic } from './world.js';

export function guestNics(type: 'lxc' | 'qemu', config: Record<string, unknown>): GuestNic[] {
  const nics: GuestNic[] = [];
  for (const [key, value] of Object.entries(config)) {
    const m = /^net(\d+)$/.exec(key);
    if (!m || (typeof value !== 'string' && typeof value !== 'number')) continue;
    const props = parseProps(value);
    const ipconfig = config[`ipconfig${m[1]}`];
    const ip =
      type === 'lxc'
        ? props['ip']
        : typeof ipconfig === 'string'
          ? parseProps(ipconfig)['ip']
          : undefined;
    const nic: GuestNic = {
      name: key,
      bridge: props['bridge'] ?? '',
      firewall: props['firewall'] === '1',
    };
    if (ip !== undefined) nic.ip = ip;
    nics.push(nic);
  }
  return nics.sort((a, b) => Number(a.name.slice(3)) - Number(b.name.slice(3)));
}
