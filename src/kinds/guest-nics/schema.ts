/**
 * The NIC item of a guest's `networks` list (AppContainer now, VirtualMachine later), and the
 * defaults pxr applies to it. Bounds follow the `net[n]` format of Proxmox VE 9.1; rules JSON Schema
 * cannot say well (one of bridge/appliance, gateway on at most one NIC) are in `validate.ts`.
 */
import { IPV4_PATTERN, NIC_BRIDGE_MAX_LENGTH, NIC_BRIDGE_PATTERN } from '../../source/checks.js';

export const NIC_DEFAULTS = { ip: 'dhcp', firewall: false } as const;

/** Proxmox allows `net0`…`net31` on a container or a VM. */
export const MAX_NICS = 32;

/** The properties of one NIC; `network` (the single-NIC shorthand) and `networks[i]` share them. */
export const nicProperties = {
  bridge: {
    type: 'string',
    pattern: NIC_BRIDGE_PATTERN,
    minLength: 1,
    maxLength: NIC_BRIDGE_MAX_LENGTH,
    description:
      'Bridge on the same node, e.g. `vmbr10` (any name a NIC accepts, so a bridge made by hand such as `proximity-lan` works too). pxr waits for the Bridge object that manages it to be Ready, or for the bridge to exist when pxr does not manage it.',
  },
  appliance: {
    type: 'string',
    pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
    maxLength: 63,
    description:
      "Join the LAN of this Appliance (its `metadata.name`) instead of naming a bridge: the NIC goes on the appliance's LAN bridge with `ip: dhcp`, the appliance reserves an address for its MAC (the static `ip` given here, or a lease from its dynamic range) and answers `<hostname>.<domain>`. At most one NIC joins an appliance.",
  },
  ip: {
    type: 'string',
    description:
      '`dhcp`, `none` (no address configured) or a static IPv4 address with its prefix, e.g. `10.20.0.10/24` (with `gateway`). With `appliance`: the address the appliance reserves for this guest (unset: a lease from its pool).',
    pattern: '^(dhcp|none|(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2})$',
    default: NIC_DEFAULTS.ip,
  },
  gateway: {
    type: 'string',
    description:
      'IPv4 default gateway (static `ip` only); must lie inside its network. At most one NIC has one.',
    pattern: IPV4_PATTERN,
  },
  firewall: {
    type: 'boolean',
    default: NIC_DEFAULTS.firewall,
    description: 'Enable the Proxmox firewall on this NIC.',
  },
  vlan: { type: 'integer', minimum: 1, maximum: 4094, description: 'VLAN tag.' },
  mtu: { type: 'integer', minimum: 64, maximum: 65535, description: 'MTU of the NIC.' },
  rate: {
    type: 'number',
    exclusiveMinimum: 0,
    description: 'Rate limit in MB/s.',
  },
} as const;

/** One NIC: `bridge` or `appliance`, and how it is addressed. */
export const nicItemSchema = {
  type: 'object',
  additionalProperties: false,
  properties: nicProperties,
} as const;

/** `networks`: the ordered NIC list, index i is Proxmox's `net{i}`. */
export const networksSchema = {
  type: 'array',
  minItems: 1,
  maxItems: MAX_NICS,
  description:
    'The NICs in order: item i is `net{i}` (`eth{i}` inside a container). Each NIC keeps its MAC after it is created. Mutually exclusive with `network`.',
  items: nicItemSchema,
} as const;

/**
 * `nicPolicy`: what happens to a NIC on the guest that the spec does not list (`net2` added by hand
 * when the spec lists two).
 */
export const nicPolicySchema = {
  type: 'string',
  enum: ['report', 'authoritative'],
  default: 'report',
  description:
    '`report` (default) leaves a NIC the spec does not list in place and reports it (a Warning event `UnmanagedNic`, the NICS column of `pxr get -o wide`); `authoritative` removes it (under the drift policy).',
} as const;
