/**
 * Checks of a guest's NIC list beyond its JSON Schema (shared by every guest kind): `network` and
 * `networks` are exclusive, each NIC names a bridge or an appliance, a static address is a real CIDR
 * with its gateway inside it, and only one NIC carries the default gateway (or joins an appliance).
 * Runs on the raw spec even when the schema failed, so it only trusts values it type-checked.
 */
import { checkCidrV4, checkGatewayInCidr, checkIpv4, checkNicBridge } from '../../source/checks.js';
import type { SourceIssue } from '../../source/types.js';
import { recordOrUndefined as obj } from '../../core/records.js';
import { nicPath, rawNics } from './nics.js';

export type NicIssue = Omit<SourceIssue, 'file' | 'line' | 'column'>;

/** Issues with `spec.`-prefixed field paths. */
export function validateNics(spec: Record<string, unknown>): NicIssue[] {
  const issues: NicIssue[] = [];
  const add = (field: string, message: string): void => {
    issues.push({ field: `spec.${field}`, message });
  };
  if (spec['network'] !== undefined && spec['networks'] !== undefined) {
    add('networks', 'set either network (the single NIC net0) or networks (a list), not both');
    return issues;
  }
  if (spec['network'] === undefined && spec['networks'] === undefined) {
    add('network', 'set network (one NIC) or networks (a list of NICs)');
    return issues;
  }
  let gatewayAt: string | undefined;
  let applianceAt: string | undefined;
  rawNics(spec).forEach((raw, i) => {
    const at = nicPath(spec, i);
    const net = obj(raw);
    if (!net) return;
    const bridge = net['bridge'];
    const appliance = net['appliance'];
    if (bridge === undefined && appliance === undefined)
      add(at, `set ${at}.bridge (e.g. vmbr1) or ${at}.appliance`);
    if (bridge !== undefined && appliance !== undefined)
      add(at, `set either ${at}.bridge or ${at}.appliance, not both`);
    if (typeof bridge === 'string') {
      const bad = checkNicBridge(bridge);
      if (bad) add(`${at}.bridge`, bad);
    }
    if (typeof appliance === 'string') {
      if (applianceAt !== undefined)
        add(`${at}.appliance`, `only one NIC can join an appliance (${applianceAt} does already)`);
      else applianceAt = at;
    }
    const ip = net['ip'];
    const gw = net['gateway'];
    const staticIp = typeof ip === 'string' && ip !== 'dhcp' && ip !== 'none';
    if (staticIp) {
      const bad = checkCidrV4(ip);
      if (bad) add(`${at}.ip`, bad);
      else if (typeof gw === 'string' && checkIpv4(gw) === undefined) {
        const outside = checkGatewayInCidr(gw, ip);
        if (outside) add(`${at}.gateway`, outside);
      }
    }
    if (appliance !== undefined && ip === 'none')
      add(`${at}.ip`, 'an appliance member takes its address by DHCP; remove ip: none');
    if (appliance !== undefined && gw !== undefined)
      add(
        `${at}.gateway`,
        `with ${at}.appliance the appliance's LAN address is the gateway (given by DHCP); remove it`,
      );
    else if (gw !== undefined && !staticIp)
      add(
        `${at}.gateway`,
        'a gateway only applies to a static ip; with dhcp the lease provides it',
      );
    else if (gw !== undefined) {
      if (gatewayAt !== undefined)
        add(
          `${at}.gateway`,
          `only one NIC can carry the default gateway (${gatewayAt}.gateway is set already); remove one`,
        );
      else gatewayAt = at;
    }
  });
  return issues;
}
