/**
 * A spec rule as pve-firewall stores it: the fields `GET …/rules` returns, with `enable` as 0|1 and
 * the marker in `comment`. Comparing the two forms is how pxr tells a rule is as desired; the
 * difference is the `PUT` (explicit `enable`, `delete=` for fields that must go).
 */
import { preferredMacroName } from '../../sim/firewall/macros.js';
import { ruleComment } from './marker.js';
import type { FirewallRuleSpec } from './spec.js';

/** The fields of a rule that Proxmox stores (what the digest and comparisons cover). */
export const RULE_FIELDS = [
  'type',
  'action',
  'enable',
  'macro',
  'iface',
  'source',
  'dest',
  'proto',
  'dport',
  'sport',
  'log',
  'icmp-type',
  'comment',
] as const;
export type RuleField = (typeof RULE_FIELDS)[number];

/** A rule in Proxmox's stored shape (`pos`, `digest`, `ipversion` dropped). */
export type StoredRule = Partial<Record<RuleField, string | number>> & {
  type: string;
  action: string;
};

/** Optional fields `delete=` may remove (type and action are required). */
const OPTIONAL: readonly RuleField[] = RULE_FIELDS.filter((f) => f !== 'type' && f !== 'action');

/** The stored form of a spec rule at one level (`group` rules keep only type/action/comment/iface). */
export function toStoredRule(policy: string, r: FirewallRuleSpec): StoredRule {
  const out: StoredRule = { type: r.type, action: r.action, enable: r.enable === false ? 0 : 1 };
  if (r.type !== 'group') {
    if (r.macro) out.macro = preferredMacroName(r.macro) ?? r.macro;
    for (const k of ['source', 'dest', 'proto', 'dport', 'sport', 'log', 'icmp-type'] as const) {
      const v = r[k];
      if (v !== undefined && v !== '') out[k] = String(v);
    }
  }
  if (r.iface) out.iface = r.iface;
  out.comment = ruleComment(policy, r.name, r.comment);
  return out;
}

/** A rule as read (drops `pos`, `digest`, `ipversion`; numbers and strings compared as text). */
export function fromApiRule(raw: Record<string, unknown>): StoredRule {
  const out: StoredRule = { type: String(raw['type']), action: String(raw['action']) };
  for (const f of OPTIONAL) {
    const v = raw[f];
    if (v === undefined || v === null || v === '') continue;
    const value: string | number = f === 'enable' ? (Number(v) ? 1 : 0) : text(v)!;
    (out as Record<string, string | number>)[f] = value;
  }
  if (out.enable === undefined) out.enable = 1;
  return out;
}

function text(v: unknown): string | undefined {
  if (typeof v === 'number') return String(v);
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Fields whose values differ (by text). */
export function ruleDiff(actual: StoredRule, desired: StoredRule): RuleField[] {
  return RULE_FIELDS.filter((f) => text(actual[f]) !== text(desired[f]));
}

export function sameRule(a: StoredRule, b: StoredRule): boolean {
  return ruleDiff(a, b).length === 0;
}

/** Parameters of `POST …/rules` creating `r` (enable always explicit). */
export function createParams(r: StoredRule): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const f of RULE_FIELDS) {
    const v = r[f];
    if (v !== undefined) out[f] = v;
  }
  out['enable'] = Number(r.enable ?? 1) ? 1 : 0;
  return out;
}

/** Parameters of `PUT …/rules/{pos}` turning `actual` into `desired` (digest added by the caller). */
export function updateParams(
  actual: StoredRule,
  desired: StoredRule,
): Record<string, string | number> {
  const out = createParams(desired);
  const gone = OPTIONAL.filter(
    (f) => f !== 'enable' && actual[f] !== undefined && desired[f] === undefined,
  );
  if (gone.length > 0) out['delete'] = gone.join(',');
  return out;
}
