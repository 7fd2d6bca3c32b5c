/**
 * The FirewallPolicy spec schema: the single source of truth for the FirewallPolicy manifest (tenant
 * isolation as code over pve-firewall). The TypeScript type is derived from it and
 * `schemas/firewallpolicy.schema.json` is exported from it (`npm run schemas`). Field names of rules
 * and options are Proxmox's own (`policy_in`, `icmp-type`), so a rule reads like the API it becomes.
 * Checks JSON Schema cannot say well (references, macros, protocols) are in `validate.ts`.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { PVE_NODE_PATTERN } from '../../source/checks.js';

/** Names pxr uses in rule markers (`pxr:<policy>/<rule>`): no spaces, no slash. */
export const RULE_NAME_PATTERN = '^[a-z0-9][a-z0-9_.-]{0,62}$';
/** Proxmox's pattern for security groups, IP sets and aliases (`pve-fw-name`). */
export const FW_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_-]+$';
/** Proxmox refuses longer security group names. */
export const GROUP_NAME_MAX = 18;

const LOG_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug', 'nolog'];
const POLICY = ['ACCEPT', 'REJECT', 'DROP'] as const;

export const firewallRuleSchema = {
  type: 'object',
  description:
    'One firewall rule. pxr marks it `pxr:<policy>/<name>` in its Proxmox comment, which is how it finds the rule again whatever its position.',
  required: ['name', 'type', 'action'],
  additionalProperties: false,
  properties: {
    name: {
      type: 'string',
      pattern: RULE_NAME_PATTERN,
      description:
        'Stable name of the rule within the policy (lower case, digits, `.-_`): its identity in the comment marker. Renaming deletes and re-creates.',
    },
    type: {
      type: 'string',
      enum: ['in', 'out', 'group'],
      description:
        'Direction (`in`, `out`), or `group` to jump to a security group named by `action`.',
    },
    action: {
      type: 'string',
      pattern: '^[A-Za-z][A-Za-z0-9_-]+$',
      description:
        '`ACCEPT`, `DROP` or `REJECT`; for `type: group` the name of a security group of this policy.',
    },
    macro: {
      type: 'string',
      description:
        "A Proxmox macro (e.g. `SSH`, `HTTPS`, `DNS`); checked against pve-firewall's list.",
    },
    proto: {
      type: 'string',
      description: 'IP protocol name or number (`tcp`, `udp`, `icmp`, `6`...), as /etc/protocols.',
    },
    source: {
      type: 'string',
      description:
        'Source addresses: IPs, CIDRs, ranges, `+ipset` or an alias name (lists comma-separated).',
    },
    dest: { type: 'string', description: 'Destination addresses, in the same forms as `source`.' },
    sport: {
      anyOf: [
        { type: 'string', description: 'Ports, ranges or service names.' },
        { type: 'integer', minimum: 0, maximum: 65535, description: 'One port.' },
      ],
      description: 'Source ports or ranges (`80`, `8000:8080`, `http,https`); needs `proto`.',
    },
    dport: {
      anyOf: [
        { type: 'string', description: 'Ports, ranges or service names.' },
        { type: 'integer', minimum: 0, maximum: 65535, description: 'One port.' },
      ],
      description: 'Destination ports or ranges (`22`, `8000:8080`, or a number); needs `proto`.',
    },
    iface: {
      type: 'string',
      pattern: '^[a-z][a-z0-9_]*\\d*$',
      description: 'Interface the rule applies to: `netN` on a guest, a host interface on a node.',
    },
    'icmp-type': {
      type: 'string',
      description: 'ICMP type name or number, with `proto: icmp` (or `icmpv6`).',
    },
    log: {
      type: 'string',
      enum: LOG_LEVELS,
      description: 'Log level of packets matching the rule (`nolog` by default).',
    },
    enable: {
      type: 'boolean',
      default: true,
      description: 'Whether the rule is active. pxr always sends it explicitly.',
    },
    comment: {
      type: 'string',
      description: 'Free text added after the `pxr:<policy>/<name>` marker in the Proxmox comment.',
    },
  },
} as const;

const optionPolicy = (what: string) =>
  ({
    type: 'string',
    enum: POLICY,
    description: `Policy of ${what} traffic no rule matched.`,
  }) as const;

export const firewallPolicySpecSchema = {
  type: 'object',
  description:
    'Firewall policy of the Proxmox VE cluster: options, security groups, IP sets, aliases, host rules and per-guest rules, kept converged by pxr.',
  additionalProperties: false,
  properties: {
    mode: {
      type: 'string',
      enum: ['merge', 'authoritative'],
      default: 'merge',
      description:
        '`merge` manages only the rules pxr marked for this policy and leaves hand-made ones in place; `authoritative` owns every rule of the levels it names (host, guest) and removes any other rule as drift.',
    },
    enforce: {
      type: 'boolean',
      default: false,
      description:
        "Turn on what filtering needs (the cluster firewall, each selected guest's firewall option). Off: a missing switch is reported as the `NotEnforced` condition.",
    },
    cluster: {
      type: 'object',
      description: 'Datacenter-wide firewall options (`/cluster/firewall/options`).',
      additionalProperties: false,
      properties: {
        options: {
          type: 'object',
          description: 'Only the options listed are managed; others are left as they are.',
          additionalProperties: false,
          properties: {
            enable: {
              type: 'boolean',
              description:
                'The cluster firewall switch (Proxmox default: off). Nothing filters while it is off.',
            },
            policy_in: optionPolicy('incoming'),
            policy_out: optionPolicy('outgoing'),
            log_ratelimit: {
              type: 'object',
              description: 'Rate limit of firewall logging.',
              additionalProperties: false,
              properties: {
                enable: { type: 'boolean', default: true, description: 'Limit the log rate.' },
                rate: {
                  type: 'string',
                  pattern: '^[1-9][0-9]*/(second|minute|hour|day)$',
                  description: 'Average rate, e.g. `1/second`.',
                },
                burst: {
                  type: 'integer',
                  minimum: 0,
                  maximum: 99,
                  description: 'Initial burst of packets always logged.',
                },
              },
            },
          },
        },
      },
    },
    groups: {
      type: 'array',
      description:
        'Security groups this policy owns, each with its ordered rules (guest and host rules jump to them with `type: group`).',
      items: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: {
          name: {
            type: 'string',
            description:
              'Proxmox name of the group: `[A-Za-z][A-Za-z0-9_-]+`, at most 18 characters.',
          },
          comment: { type: 'string', description: 'Free text after the `pxr:<policy>` marker.' },
          rules: {
            type: 'array',
            default: [],
            description: 'Ordered rules of the group (`in`/`out` only).',
            items: firewallRuleSchema,
          },
        },
      },
      default: [],
    },
    ipsets: {
      type: 'array',
      description: 'Cluster IP sets this policy owns (referenced as `+name`).',
      default: [],
      items: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: {
          name: {
            type: 'string',
            pattern: FW_NAME_PATTERN,
            maxLength: 64,
            description: 'IP set name.',
          },
          comment: { type: 'string', description: 'Free text after the `pxr:<policy>` marker.' },
          entries: {
            type: 'array',
            default: [],
            description: 'Members of the set; the set holds exactly these.',
            items: {
              type: 'object',
              required: ['cidr'],
              additionalProperties: false,
              properties: {
                cidr: { type: 'string', description: 'An IP, a CIDR or an alias name.' },
                nomatch: { type: 'boolean', description: 'Exclude this entry from the set.' },
                comment: { type: 'string', description: 'Comment of the entry.' },
              },
            },
          },
        },
      },
    },
    aliases: {
      type: 'array',
      description: 'Cluster aliases this policy owns (names usable in `source`/`dest`).',
      default: [],
      items: {
        type: 'object',
        required: ['name', 'cidr'],
        additionalProperties: false,
        properties: {
          name: {
            type: 'string',
            pattern: FW_NAME_PATTERN,
            maxLength: 64,
            description: 'Alias name.',
          },
          cidr: { type: 'string', description: 'The IP or CIDR the alias stands for.' },
          comment: { type: 'string', description: 'Free text after the `pxr:<policy>` marker.' },
        },
      },
    },
    hosts: {
      type: 'array',
      description: 'Rules of Proxmox nodes (`/nodes/{node}/firewall/rules`).',
      default: [],
      items: {
        type: 'object',
        required: ['node'],
        additionalProperties: false,
        properties: {
          node: { type: 'string', pattern: PVE_NODE_PATTERN, description: 'The node.' },
          rules: {
            type: 'array',
            default: [],
            description: 'Ordered host rules.',
            items: firewallRuleSchema,
          },
        },
      },
    },
    guests: {
      type: 'array',
      description:
        'Rules and options of guests, selected among AppContainers and VirtualMachines by name or by labels (`select.kinds` narrows to one kind). A guest that does not exist yet is waited for.',
      default: [],
      items: {
        type: 'object',
        required: ['name', 'select'],
        additionalProperties: false,
        properties: {
          name: {
            type: 'string',
            pattern: RULE_NAME_PATTERN,
            description: 'Name of this entry (for messages).',
          },
          select: {
            type: 'object',
            description:
              'Which guests: listed by name, or all carrying every label given (or both), among the kinds in `kinds`.',
            additionalProperties: false,
            minProperties: 1,
            properties: {
              names: {
                type: 'array',
                items: {
                  type: 'string',
                  description: 'An AppContainer or VirtualMachine name.',
                },
                description:
                  'Guest object names (a name that is both an AppContainer and a VirtualMachine selects both unless `kinds` says which).',
              },
              kinds: {
                type: 'array',
                minItems: 1,
                uniqueItems: true,
                items: { type: 'string', enum: ['AppContainer', 'VirtualMachine'] },
                description: 'Which guest kinds `names` and `labels` select among (absent: both).',
              },
              labels: {
                type: 'object',
                additionalProperties: { type: 'string' },
                description: 'Label selector: every label must match.',
              },
            },
          },
          options: {
            type: 'object',
            description: 'Firewall options of each selected guest (only those listed are managed).',
            additionalProperties: false,
            properties: {
              enable: {
                type: 'boolean',
                description: 'The guest firewall switch (Proxmox default: off).',
              },
              policy_in: optionPolicy('incoming'),
              policy_out: optionPolicy('outgoing'),
              dhcp: { type: 'boolean', description: 'Allow DHCP (Proxmox default: off).' },
              macfilter: {
                type: 'boolean',
                description: 'MAC address filter (Proxmox default: on).',
              },
              ipfilter: {
                type: 'boolean',
                description: 'IP address filter (`ipfilter-netX` sets).',
              },
            },
          },
          rules: {
            type: 'array',
            default: [],
            description:
              'Ordered rules of each selected guest (`type: group` jumps to a group of this policy).',
            items: firewallRuleSchema,
          },
        },
      },
    },
  },
} as const;

export type FirewallPolicySpec = FromSchema<typeof firewallPolicySpecSchema>;
export type FirewallRuleSpec = FromSchema<typeof firewallRuleSchema>;
