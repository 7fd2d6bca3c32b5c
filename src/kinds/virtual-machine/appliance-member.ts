/**
 * A VM joining an Appliance's LAN (one NIC with `appliance`), as the Appliance renders it: host name
 * (the VM name's first label), the NIC's MAC (recorded in status, else the uid-derived member MAC
 * set at create), and its reserved address (the NIC's static `ip`). The appliance reads this through
 * its members list; the VM side needs nothing of the Appliance kind but its LAN facts.
 */
import { createHash } from 'node:crypto';
import type { ApplianceHost } from '../../appliance/desired.js';
import type { ObjectStatusView, StoredObject } from '../../core/kind.js';
import { memberMac } from '../app-container/appliance-join.js';
import { applianceNic } from '../guest-nics/nics.js';
import { resolveVm, type VirtualMachineSpec } from './spec.js';

/** The host an appliance renders for a member VM, and a digest of it (recorded per member). */
export function vmMemberHost(
  obj: StoredObject,
  status: ObjectStatusView | undefined,
): { host: ApplianceHost; digest: string } | undefined {
  const spec = resolveVm(obj.spec as unknown as VirtualMachineSpec, obj.name);
  const nic = applianceNic(spec.nics);
  if (!nic) return undefined;
  const macs = status?.observed['macs'];
  const recorded: unknown = Array.isArray(macs) ? macs[nic.index] : undefined;
  const mac = (typeof recorded === 'string' ? recorded : memberMac(obj.uid)).toLowerCase();
  const ip = spec.nics[nic.index]?.ip;
  const host: ApplianceHost = {
    hostname: (spec.name.split('.')[0] ?? spec.name).toLowerCase(),
    mac,
    expose: spec.expose.map((e) => ({ ...e })),
  };
  if (ip !== undefined && ip !== 'dhcp' && ip !== 'none') host.ip = ip.split('/')[0] ?? ip;
  const digest = createHash('sha1').update(JSON.stringify(host)).digest('hex').slice(0, 12);
  return { host, digest };
}
