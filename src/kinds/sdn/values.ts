/**
 * SDN values compared as Proxmox means them: node and peer lists in any order, DHCP ranges as the
 * write form (`start-address=A,end-address=B`) or the parsed read form, booleans as 0/1.
 */
import type { Section } from './world.js';

/** A scalar as text ('' for anything else). */
export function scalarText(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

function rangeText(r: unknown): string {
  if (typeof r === 'string') {
    const kv = new Map(
      r
        .split(',')
        .map((p): [string, string] => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
    );
    return `${kv.get('start-address') ?? ''}-${kv.get('end-address') ?? ''}`;
  }
  const o = (r ?? {}) as Record<string, unknown>;
  return `${scalarText(o['start-address'])}-${scalarText(o['end-address'])}`;
}

/** One comparable text per value; undefined for an unset one. */
export function normValue(key: string, v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (key === 'dhcp-range') {
    const list = Array.isArray(v) ? v : [v];
    return list.length === 0 ? undefined : list.map(rangeText).sort().join(' ');
  }
  if (key === 'nodes' || key === 'peers' || key === 'exitnodes') {
    return scalarText(v)
      .split(/[,;\s]+/)
      .filter(Boolean)
      .sort()
      .join(',');
  }
  if (typeof v === 'boolean') return v ? '1' : '0';
  return scalarText(v);
}

export interface KeyChange {
  key: string;
  desired: unknown;
  actual: unknown;
}

/** Keys of `keys` where `actual` differs from `desired` (an unset desired key must be unset). */
export function diffSection(
  desired: Section,
  actual: Section | undefined,
  keys: readonly string[],
): KeyChange[] {
  const out: KeyChange[] = [];
  for (const key of keys) {
    if (normValue(key, desired[key]) !== normValue(key, actual?.[key])) {
      out.push({ key, desired: desired[key], actual: actual?.[key] });
    }
  }
  return out;
}
