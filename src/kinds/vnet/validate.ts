/**
 * VNet checks beyond the schema: the id Proxmox accepts (with a suggestion), subnets as networks
 * (host bits clear), gateway and DHCP ranges inside them, ranges in order and apart — the checks of
 * pve-network's SubnetPlugin, said with the field that is wrong.
 */
import type { ManifestDoc, SourceIssue } from '../../core/manifest.js';
import { isRecord } from '../../core/records.js';
import { formatIpv4, parseCidrV4, parseIpv4 } from '../../source/checks.js';
import { sdnIdProblem } from '../sdn/ids.js';

type Issue = Omit<SourceIssue, 'file' | 'line' | 'column'>;

function checkRanges(
  ranges: unknown,
  net: { network: number; broadcast: number; cidr: string },
  at: string,
  out: Issue[],
): void {
  if (!Array.isArray(ranges)) return;
  const seen: [number, number, number][] = [];
  ranges.forEach((r: unknown, j) => {
    if (!isRecord(r)) return;
    const a = parseIpv4(String(r['start']));
    const b = parseIpv4(String(r['end']));
    if (a === undefined || b === undefined) return;
    const f = `${at}.dhcpRanges[${j}]`;
    if (a > b)
      out.push({
        field: `${f}.start`,
        message: `start ${String(r['start'])} is after end ${String(r['end'])}`,
      });
    for (const [v, k] of [
      [a, 'start'],
      [b, 'end'],
    ] as const) {
      if (v < net.network || v > net.broadcast)
        out.push({ field: `${f}.${k}`, message: `${String(r[k])} is not in subnet ${net.cidr}` });
    }
    const clash = seen.find(([x, y]) => a <= y && x <= b);
    if (clash)
      out.push({
        field: f,
        message: `overlaps dhcpRanges[${clash[2]}] (DHCP ranges must not overlap)`,
      });
    seen.push([a, b, j]);
  });
}

export function validateVNet(doc: ManifestDoc): Issue[] {
  const out: Issue[] = [];
  const bad = sdnIdProblem('VNet', doc.name);
  if (bad) out.push({ field: 'metadata.name', message: bad });
  const subnets = Array.isArray(doc.spec['subnets']) ? doc.spec['subnets'] : [];
  if (doc.spec['vlanAware'] === true && subnets.length > 0)
    out.push({
      field: 'spec.vlanAware',
      message: 'a VLAN-aware VNet cannot have subnets (Proxmox refuses it)',
    });
  const cidrs = new Map<string, number>();
  subnets.forEach((s: unknown, i) => {
    if (!isRecord(s) || typeof s['cidr'] !== 'string') return;
    const at = `spec.subnets[${i}]`;
    const c = parseCidrV4(s['cidr']);
    if (!c) return;
    const cidr = `${formatIpv4(c.network)}/${c.prefix}`;
    if (c.address !== c.network)
      out.push({
        field: `${at}.cidr`,
        message: `${s['cidr']} is not a network address: did you mean ${cidr}?`,
      });
    const first = cidrs.get(cidr);
    if (first !== undefined)
      out.push({ field: `${at}.cidr`, message: `${cidr} is also subnets[${first}]` });
    else cidrs.set(cidr, i);
    const gw = typeof s['gateway'] === 'string' ? parseIpv4(s['gateway']) : undefined;
    if (gw !== undefined && (gw < c.network || gw > c.broadcast))
      out.push({
        field: `${at}.gateway`,
        message: `gateway ${String(s['gateway'])} is not in subnet ${cidr}`,
      });
    if (gw !== undefined && c.prefix < 31 && (gw === c.network || gw === c.broadcast))
      out.push({
        field: `${at}.gateway`,
        message: `gateway ${String(s['gateway'])} is the network or broadcast address of ${cidr}`,
      });
    checkRanges(s['dhcpRanges'], { network: c.network, broadcast: c.broadcast, cidr }, at, out);
    const rangesOf = Array.isArray(s['dhcpRanges']) ? s['dhcpRanges'] : [];
    rangesOf.forEach((r: unknown, j) => {
      if (!isRecord(r) || gw === undefined) return;
      const a = parseIpv4(String(r['start']));
      const b = parseIpv4(String(r['end']));
      if (a !== undefined && b !== undefined && gw >= a && gw <= b)
        out.push({
          field: `${at}.dhcpRanges[${j}]`,
          message: `the range holds the gateway ${String(s['gateway'])}`,
        });
    });
  });
  return out;
}
