/**
 * Semantic checks of a FirewallPolicy beyond its JSON Schema, each located at its field: names
 * Proxmox refuses (a security group over 18 characters, with a suggestion), duplicate names,
 * references to groups, IP sets and aliases the policy does not define, and every rule run through
 * pve-firewall's own `verify_rule` (the simulator's, so macros, protocols, ports, ICMP types and
 * address lists are checked exactly as Proxmox checks them). Runs on the raw spec even when the
 * schema failed, so it only trusts values it has type-checked.
 */
import type { ManifestDoc, SourceIssue } from '../../source/types.js';
import { PveError } from '../../sim/types.js';
import { parseAliasRef } from '../../sim/firewall/addr.js';
import { verifyRule, type RuleEnv, type RuleRefs } from '../../sim/firewall/rules.js';
import type { FwAlias, FwRule, IpSet } from '../../sim/firewall/state.js';
import { asRecord } from '../../core/records.js';
import { FW_NAME_PATTERN, GROUP_NAME_MAX } from './schema.js';

export type SemanticIssue = Omit<SourceIssue, 'file' | 'line' | 'column'>;

const NAME_RE = new RegExp(FW_NAME_PATTERN);

/** A name Proxmox accepts for a security group, close to the one given. */
export function suggestGroupName(name: string): string {
  let s = name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^[^A-Za-z]+/, '');
  if (s.length < 2) s = `g${s}x`.slice(0, 2);
  return s.slice(0, GROUP_NAME_MAX).replace(/[-_]+$/, '') || 'group';
}

export function checkGroupName(name: string): string | undefined {
  if (name.length <= GROUP_NAME_MAX && NAME_RE.test(name)) return undefined;
  const why =
    name.length > GROUP_NAME_MAX
      ? `is ${name.length} characters; Proxmox allows at most ${GROUP_NAME_MAX}`
      : 'must start with a letter and hold only letters, digits, - and _ (at least 2 characters)';
  return `security group name '${name}' ${why}; try '${suggestGroupName(name)}'`;
}

function list(x: unknown): Record<string, unknown>[] {
  return Array.isArray(x) ? x.map(asRecord) : [];
}
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

export function validateFirewallPolicy(doc: ManifestDoc): SemanticIssue[] {
  const spec = doc.spec;
  const issues: SemanticIssue[] = [];
  const add = (field: string, message: string): void => {
    issues.push({ field: `spec.${field}`, message });
  };

  const unique = (items: Record<string, unknown>[], where: string, what: string): Set<string> => {
    const seen = new Map<string, number>();
    items.forEach((it, i) => {
      const n = str(it['name']);
      if (n === undefined) return;
      const first = seen.get(n.toLowerCase());
      if (first !== undefined)
        add(`${where}[${i}].name`, `${what} '${n}' is defined twice (also ${where}[${first}])`);
      else seen.set(n.toLowerCase(), i);
    });
    return new Set(seen.keys());
  };

  const groups = list(spec['groups']);
  const ipsets = list(spec['ipsets']);
  const aliases = list(spec['aliases']);
  const groupNames = unique(groups, 'groups', 'security group');
  unique(ipsets, 'ipsets', 'IP set');
  unique(aliases, 'aliases', 'alias');
  groups.forEach((g, i) => {
    const n = str(g['name']);
    if (n !== undefined) {
      const bad = checkGroupName(n);
      if (bad) add(`groups[${i}].name`, bad);
    }
  });

  // What rules may reference: this policy's IP sets and aliases (as Proxmox would see them).
  const refs: RuleRefs = { cluster: { ipsets: {}, aliases: {} } };
  for (const s of ipsets) {
    const n = str(s['name']);
    if (n) refs.cluster.ipsets[n] = { entries: [] } satisfies IpSet;
  }
  for (const a of aliases) {
    const n = str(a['name']);
    const cidr = str(a['cidr']) ?? '';
    if (n) {
      refs.cluster.aliases[n.toLowerCase()] = {
        name: n,
        cidr,
        ipversion: cidr.includes(':') ? 6 : 4,
      } satisfies FwAlias;
    }
  }

  const checkRules = (
    rules: unknown,
    where: string,
    env: RuleEnv,
    names?: Map<string, string>,
  ): void => {
    const own = names ?? new Map<string, string>();
    list(rules).forEach((r, i) => {
      const at = `${where}[${i}]`;
      const name = str(r['name']);
      if (name !== undefined) {
        const first = own.get(name);
        if (first !== undefined)
          add(`${at}.name`, `rule name '${name}' is used twice (also ${first})`);
        else own.set(name, at);
      }
      const type = str(r['type']);
      const action = str(r['action']);
      if (type === 'group') {
        if (env === 'group') {
          add(`${at}.type`, 'a security group cannot jump to another group');
          return;
        }
        if (action !== undefined && !groupNames.has(action.toLowerCase())) {
          add(`${at}.action`, `no security group '${action}' in this policy (spec.groups)`);
          return;
        }
      }
      for (const f of ['source', 'dest'] as const) {
        const v = str(r[f]);
        if (v === undefined) continue;
        if (v.startsWith('+')) {
          const m = /^\+(?:dc\/|guest\/)?(.+)$/.exec(v);
          if (m?.[1] && !refs.cluster.ipsets[m[1]]) {
            add(`${at}.${f}`, `no IP set '${m[1]}' in this policy (spec.ipsets)`);
            return;
          }
        } else {
          const ref = parseAliasRef(v);
          if (ref && !refs.cluster.aliases[ref.name.toLowerCase()]) {
            add(`${at}.${f}`, `no alias '${ref.name}' in this policy (spec.aliases)`);
            return;
          }
        }
      }
      if (type === undefined || action === undefined) return;
      const raw: Partial<FwRule> = {};
      for (const [k, v] of Object.entries(r)) {
        if (k === 'name') continue;
        if (k === 'enable') raw.enable = v === false ? 0 : 1;
        else if (typeof v === 'string') raw[k] = v;
        else if (typeof v === 'number') raw[k] = String(v);
      }
      try {
        verifyRule(raw, env, refs);
      } catch (err) {
        if (!(err instanceof PveError)) {
          add(at, (err as Error).message.trim());
          return;
        }
        const [field, msg] = Object.entries(err.errors ?? {})[0] ?? ['', err.message.trim()];
        add(field ? `${at}.${field}` : at, `Proxmox would refuse this rule: ${msg}`);
      }
    });
  };

  groups.forEach((g, i) => checkRules(g['rules'], `groups[${i}].rules`, 'group'));
  list(spec['hosts']).forEach((h, i) => checkRules(h['rules'], `hosts[${i}].rules`, 'host'));
  // Guest rules of one policy share a marker namespace (`pxr:<policy>/<rule>`).
  const guestNames = new Map<string, string>();
  list(spec['guests']).forEach((g, i) => {
    const sel = asRecord(g['select']);
    if (sel['names'] === undefined && sel['labels'] === undefined) {
      add(`guests[${i}].select`, 'select needs names or labels');
    }
    // Container and VM rules take the same types and `netN` interfaces (pve-firewall env ct / vm).
    checkRules(g['rules'], `guests[${i}].rules`, 'ct', guestNames);
  });

  ipsets.forEach((s, i) => {
    list(s['entries']).forEach((e, j) => {
      const cidr = str(e['cidr']);
      if (cidr === undefined) return;
      const ref = parseAliasRef(cidr);
      if (ref) {
        if (!refs.cluster.aliases[ref.name.toLowerCase()])
          add(
            `ipsets[${i}].entries[${j}].cidr`,
            `no alias '${ref.name}' in this policy (spec.aliases)`,
          );
        return;
      }
      if (!/^[0-9a-fA-F:.]+(\/\d+)?$/.test(cidr))
        add(`ipsets[${i}].entries[${j}].cidr`, `'${cidr}' is not an IP address or CIDR`);
    });
  });
  aliases.forEach((a, i) => {
    const cidr = str(a['cidr']);
    if (cidr !== undefined && !/^[0-9a-fA-F:.]+(\/\d+)?$/.test(cidr))
      add(`aliases[${i}].cidr`, `'${cidr}' is not an IP address or CIDR`);
  });
  return issues;
}
