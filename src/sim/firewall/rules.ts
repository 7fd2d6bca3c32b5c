/**
 * Rule logic of pve-firewall (Firewall.pm `verify_rule`, `copy_rule_data`,
 * `delete_rule_properties`, the rule writer/parser round trip, and Rules.pm's `moveto`). Pure:
 * functions take rules and return new ones; verification errors are thrown as Proxmox would
 * answer them (the FIRST failing field, 400 `Parameter verification failed.`).
 */
import { die, paramError } from '../types.js';
import { splitList } from '../formats.js';
import { parseAddressList, parseAliasRef, NAME_PATTERN, type IpVersion } from './addr.js';
import { checkMacroConflicts, preferredMacroName } from './macros.js';
import {
  isIcmpProtocol,
  isKnownProtocol,
  ICMP_TYPES,
  ICMPV6_TYPES,
  PROTOCOLS_WITH_PORTS,
} from './protocols.js';
import { parsePortSpec } from './ports.js';
import type { FwAlias, FwRule, IpSet } from './state.js';

/** Where a rule list lives; decides which types, interfaces and references are allowed. */
export type RuleEnv = 'cluster' | 'host' | 'group' | 'ct' | 'vm';

/** The properties a rule may carry (`$rule_properties` without `pos` and `digest`). */
export const RULE_KEYS = [
  'type',
  'action',
  'macro',
  'iface',
  'source',
  'dest',
  'proto',
  'enable',
  'log',
  'sport',
  'dport',
  'comment',
  'icmp-type',
] as const;

/** Names `delete=` accepts (all of `$rule_properties`). */
const DELETABLE = new Set<string>([...RULE_KEYS, 'pos', 'digest']);

const VALID_TYPES: Record<RuleEnv, readonly string[]> = {
  ct: ['in', 'out', 'group'],
  vm: ['in', 'out', 'group'],
  group: ['in', 'out', 'forward'],
  cluster: ['in', 'out', 'forward', 'group'],
  host: ['in', 'out', 'forward', 'group'],
};

const IFACE_ALLOWED: Record<RuleEnv, boolean> = {
  ct: true,
  vm: true,
  group: false,
  cluster: true,
  host: true,
};

const GROUP_NAME_RE = new RegExp(`^${NAME_PATTERN}$`);

/** IP sets and aliases a rule may reference: the cluster's, and the guest's own for guest rules. */
export interface RuleRefs {
  cluster: { ipsets: Record<string, IpSet>; aliases: Record<string, FwAlias> };
  local?: { ipsets: Record<string, IpSet>; aliases: Record<string, FwAlias> };
}

/** `copy_rule_data`: defined params overwrite, `''` and `-` delete. */
export function copyRuleData(
  rule: Partial<FwRule>,
  params: Record<string, unknown>,
): Partial<FwRule> {
  const out: Record<string, unknown> = { ...rule };
  for (const k of RULE_KEYS) {
    const v = params[k];
    if (v === undefined || v === null) continue;
    if (v === '' || v === '-') delete out[k];
    else out[k] = v;
  }
  return out;
}

/** `delete_rule_properties` for PUT `delete=`. */
export function deleteRuleProperties(rule: Partial<FwRule>, list: string): Partial<FwRule> {
  const out: Partial<FwRule> = { ...rule };
  for (const opt of splitList(list)) {
    if (!DELETABLE.has(opt)) paramError({ delete: `no such property ('${opt}')` });
    if (opt === 'type' || opt === 'action') {
      paramError({ delete: `unable to delete required property '${opt}'` });
    }
    delete out[opt];
  }
  return out;
}

function fail(param: string, msg: string): never {
  paramError({ [param]: msg });
}

function str(rule: Partial<FwRule>, key: string): string | undefined {
  const v = rule[key];
  if (typeof v === 'string') return v === '' ? undefined : v;
  return typeof v === 'number' ? String(v) : undefined;
}

/**
 * `verify_rule` without `noerr`: returns the rule with its macro name normalised and `ipversion`
 * derived, or throws the first error.
 */
export function verifyRule(rule: Partial<FwRule>, env: RuleEnv, refs: RuleRefs): FwRule {
  let ipversion: IpVersion | undefined;
  const setIpVersion = (v: IpVersion | undefined): void => {
    if (!v) return;
    if (ipversion && v !== ipversion) throw new Error('detected mixed ipv4/ipv6 addresses in rule');
    ipversion = v;
  };

  const type = str(rule, 'type');
  const action = str(rule, 'action');
  if (!type) fail('type', 'missing property');
  if (!action) fail('action', 'missing property');

  if (!VALID_TYPES[env].includes(type)) {
    fail('type', `invalid rule type '${type}' for rule_env '${env}'`);
  }
  if (type === 'in' || type === 'out' || type === 'forward') {
    if (type === 'forward' && action === 'REJECT') {
      fail('action', 'cannot define REJECT rules on forward chain');
    }
    if (!/^(ACCEPT|DROP|REJECT)$/.test(action)) fail('action', `unknown action '${action}'`);
  } else if (type === 'group') {
    if (env === 'group') fail('type', 'security groups not allowed');
    if (!GROUP_NAME_RE.test(action)) fail('action', 'invalid characters in security group name');
  }

  const iface = str(rule, 'iface');
  if (iface) {
    if (!IFACE_ALLOWED[env]) fail('type', 'parameter -i not allowed for this rule type');
    if ((env === 'ct' || env === 'vm') && !/^net(\d+)$/.test(iface)) {
      fail('iface', "value does not match the regex pattern 'net\\d+'");
    }
  }

  const out: FwRule = { ...(rule as FwRule) };
  const macro = str(rule, 'macro');
  if (macro) {
    const preferred = preferredMacroName(macro);
    if (!preferred) fail('macro', `unknown macro '${macro}'`);
    out.macro = preferred;
  }

  const proto = str(rule, 'proto');
  const icmp = isIcmpProtocol(proto);
  if (proto) {
    if (!isKnownProtocol(proto)) fail('proto', `unknown protocol '${proto}'`);
    if (proto === 'icmp') setIpVersion(4);
    if (proto === 'icmpv6' || proto === 'ipv6-icmp') setIpVersion(6);
  }

  const dport = str(rule, 'dport');
  if (dport) {
    checkPorts('dport', dport, icmp);
    if (!proto) fail('proto', "missing property - 'dport' requires this property");
    if (!PROTOCOLS_WITH_PORTS.has(proto) && !icmp) {
      fail('dport', `protocol '${proto}' does not support ports`);
    }
  }

  const icmpType = str(rule, 'icmp-type');
  if (icmpType) {
    if (!icmp) fail('proto', "missing property - 'icmp-type' requires this property");
    if (dport) fail('icmp-type', "'icmp-type' cannot be specified together with 'dport'");
    if (proto === 'icmp' && !ICMP_TYPES.has(icmpType)) {
      fail('icmp-type', `invalid icmp-type '${icmpType}' for proto 'icmp'`);
    } else if (proto !== 'icmp' && !ICMPV6_TYPES.has(icmpType)) {
      fail('icmp-type', `invalid icmp-type '${icmpType}' for proto '${proto}'`);
    }
  }

  const sport = str(rule, 'sport');
  if (sport) {
    checkPorts('sport', sport, false);
    if (!proto) fail('proto', "missing property - 'sport' requires this property");
    if (!PROTOCOLS_WITH_PORTS.has(proto))
      fail('sport', `protocol '${proto}' does not support ports`);
  }

  for (const field of ['source', 'dest'] as const) {
    const value = str(rule, field);
    if (!value) continue;
    try {
      setIpVersion(parseAddressList(value));
    } catch (err) {
      fail(field, (err as Error).message);
    }
    checkReference(field, value, refs, setIpVersion);
  }

  if (ipversion) out.ipversion = ipversion;
  else delete out.ipversion;
  if (out.macro) checkMacroConflicts(out.macro, out, ipversion);
  return out;
}

function checkPorts(field: string, spec: string, icmp: boolean): void {
  try {
    parsePortSpec(spec, icmp);
  } catch (err) {
    fail(field, (err as Error).message);
  }
}

/** `$check_ipset_or_alias_property`: references must exist; an alias fixes the IP version. */
function checkReference(
  field: string,
  value: string,
  refs: RuleRefs,
  setIpVersion: (v: IpVersion | undefined) => void,
): void {
  if (value.startsWith('+')) {
    const m = new RegExp(`^\\+(guest/|dc/|sdn/)?(${NAME_PATTERN})$`).exec(value);
    if (!m?.[2]) fail(field, `invalid ipset name '${value}'`);
    const name = m[2];
    if (!refs.cluster.ipsets[name] && !refs.local?.ipsets[name]) {
      fail(field, `no such ipset '${name}'`);
    }
    return;
  }
  const ref = parseAliasRef(value);
  if (!ref) return;
  const key = ref.name.toLowerCase();
  if (!refs.cluster.aliases[key] && !refs.local?.aliases[key])
    fail(field, `no such alias '${value}'`);
  let alias: FwAlias | undefined;
  if (ref.scope !== 'dc/') alias = refs.local?.aliases[key];
  if (ref.scope !== 'guest/' && !alias) alias = refs.cluster.aliases[key];
  // Outside the eval in Perl: a version clash with an alias is a plain die (HTTP 500).
  try {
    setIpVersion(alias?.ipversion);
  } catch (err) {
    die((err as Error).message);
  }
}

/**
 * What a rule looks like after pve-firewall wrote it to its `.fw` file and read it back: the
 * GET output and the digest are computed over this form.
 */
export function storedRule(rule: FwRule, env: RuleEnv): FwRule {
  const out: FwRule = {
    type: rule.type,
    action: rule.action,
    enable: rule.enable !== undefined && !Number(rule.enable) ? 0 : 1,
  };
  // The writer puts the macro in front of the action only for in/out/forward rules.
  if (rule.macro && rule.type !== 'group') out.macro = rule.macro;
  if (IFACE_ALLOWED[env] && rule.iface) out.iface = rule.iface;
  if (rule.type !== 'group') {
    for (const k of ['source', 'dest', 'proto', 'dport', 'sport', 'log', 'icmp-type'] as const) {
      const v = rule[k];
      if (v !== undefined && v !== '') out[k] = String(v);
    }
  }
  const comment = typeof rule.comment === 'string' ? rule.comment.trim() : '';
  if (comment !== '') out.comment = comment;
  if (rule.type !== 'group' && rule.ipversion) out.ipversion = rule.ipversion;
  return out;
}

/**
 * Rules.pm `moveto`: the rule goes BEFORE the rule that was at index `moveto` (so moving down by
 * one is a no-op), or to the end when `moveto` is past the last rule.
 */
export function moveRule<T>(rules: readonly T[], pos: number, moveto: number): T[] {
  const rule = rules[pos];
  if (rule === undefined || moveto === pos) return [...rules];
  const out: T[] = [];
  rules.forEach((r, i) => {
    if (i === pos) return;
    if (i === moveto) out.push(rule);
    out.push(r);
  });
  if (moveto >= rules.length) out.push(rule);
  return out;
}
