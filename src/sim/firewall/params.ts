/**
 * Parameter declarations shared by the firewall endpoints, exactly as the official schema lists
 * them (the conformance test compares names, types, enums and optionality).
 */
import type { ParamDef } from '../types.js';
import { NAME_PATTERN } from './addr.js';

export const LOG_LEVELS = [
  'emerg',
  'alert',
  'crit',
  'err',
  'warning',
  'notice',
  'info',
  'debug',
  'nolog',
] as const;

export { nodeParam, vmidParam } from '../params.js';
export const digestParam: ParamDef = { type: 'string', optional: true, maxLength: 64 };
export const posParam: ParamDef = { type: 'integer', minimum: 0, optional: true };
export const commentParam: ParamDef = { type: 'string', optional: true };
export const deleteParam: ParamDef = {
  type: 'string',
  format: 'pve-configid-list',
  optional: true,
};

function nameParam(maxLength: number, optional = false): ParamDef {
  return { type: 'string', pattern: NAME_PATTERN, minLength: 2, maxLength, optional };
}

export const groupNameParam = (optional = false): ParamDef => nameParam(18, optional);
/** IP set and alias names share the same limits. */
export const setNameParam = (optional = false): ParamDef => nameParam(64, optional);

export const logParam: ParamDef = { type: 'string', enum: LOG_LEVELS, optional: true };

/** `add_rule_properties`: every rule field; `required` makes type and action mandatory (POST). */
export function ruleParams(required: boolean): Record<string, ParamDef> {
  return {
    action: {
      type: 'string',
      pattern: NAME_PATTERN,
      minLength: 2,
      maxLength: 20,
      optional: !required,
    },
    comment: commentParam,
    dest: { type: 'string', format: 'pve-fw-addr-spec', maxLength: 512, optional: true },
    digest: digestParam,
    dport: { type: 'string', format: 'pve-fw-dport-spec', optional: true },
    enable: { type: 'integer', minimum: 0, optional: true },
    'icmp-type': { type: 'string', format: 'pve-fw-icmp-type-spec', optional: true },
    iface: { type: 'string', format: 'pve-iface', minLength: 2, maxLength: 20, optional: true },
    log: logParam,
    macro: { type: 'string', maxLength: 128, optional: true },
    pos: posParam,
    proto: { type: 'string', format: 'pve-fw-protocol-spec', optional: true },
    source: { type: 'string', format: 'pve-fw-addr-spec', maxLength: 512, optional: true },
    sport: { type: 'string', format: 'pve-fw-sport-spec', optional: true },
    type: { type: 'string', enum: ['in', 'out', 'forward', 'group'], optional: !required },
  };
}

const bool = (def?: 0 | 1): ParamDef =>
  def === undefined
    ? { type: 'boolean', optional: true }
    : { type: 'boolean', optional: true, default: def };
const policy = (values: readonly string[]): ParamDef => ({
  type: 'string',
  enum: values,
  optional: true,
});

/** Cluster options (`$cluster_option_properties`). */
export const clusterOptionParams: Record<string, ParamDef> = {
  ebtables: bool(1),
  enable: { type: 'integer', minimum: 0, default: 0, optional: true },
  log_ratelimit: { type: 'string', format: 'pve-fw-log-ratelimit', optional: true },
  policy_forward: policy(['ACCEPT', 'DROP']),
  policy_in: policy(['ACCEPT', 'REJECT', 'DROP']),
  policy_out: policy(['ACCEPT', 'REJECT', 'DROP']),
};

/** Guest options (`$vm_option_properties`). */
export const guestOptionParams: Record<string, ParamDef> = {
  dhcp: bool(0),
  enable: bool(0),
  ipfilter: bool(),
  log_level_in: logParam,
  log_level_out: logParam,
  macfilter: bool(1),
  ndp: bool(1),
  policy_in: policy(['ACCEPT', 'REJECT', 'DROP']),
  policy_out: policy(['ACCEPT', 'REJECT', 'DROP']),
  radv: bool(),
};

/** Host options (`$host_option_properties`). */
export const hostOptionParams: Record<string, ParamDef> = {
  enable: bool(1),
  log_level_forward: logParam,
  log_level_in: logParam,
  log_level_out: logParam,
  log_nf_conntrack: bool(0),
  ndp: bool(1),
  nf_conntrack_allow_invalid: bool(0),
  nf_conntrack_helpers: {
    type: 'string',
    format: 'pve-fw-conntrack-helper',
    default: '',
    optional: true,
  },
  nf_conntrack_max: { type: 'integer', minimum: 32768, default: 262144, optional: true },
  nf_conntrack_tcp_timeout_established: {
    type: 'integer',
    minimum: 7875,
    default: 432000,
    optional: true,
  },
  nf_conntrack_tcp_timeout_syn_recv: {
    type: 'integer',
    minimum: 30,
    maximum: 60,
    default: 60,
    optional: true,
  },
  nftables: bool(0),
  nosmurfs: bool(),
  protection_synflood: bool(0),
  protection_synflood_burst: { type: 'integer', default: 1000, optional: true },
  protection_synflood_rate: { type: 'integer', default: 200, optional: true },
  smurf_log_level: logParam,
  tcp_flags_log_level: logParam,
  tcpflags: bool(0),
};
