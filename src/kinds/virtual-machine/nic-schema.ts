/**
 * The NIC fields a VM shares with AppContainer NICs (bridge or appliance, addressing, VLAN, MTU,
 * rate, firewall). Until the shared guest-NIC fragment lands this is the VM's own copy, field for
 * field the same names and bounds, so the switch is a re-export.
 */
import { IPV4_PATTERN, NIC_BRIDGE_MAX_LENGTH, NIC_BRIDGE_PATTERN } from '../../source/checks.js';

export const NIC_DEFAULTS = { ip: 'dhcp', firewall: false } as const;

export const nicProperties = {
  bridge: {
    type: 'string',
    pattern: NIC_BRIDGE_PATTERN,
    minLength: 1,
    maxLength: NIC_BRIDGE_MAX_LENGTH,
    description:
      'Bridge on the same node, e.g. `vmbr10`. pxr waits for the Bridge object that manages it to be Ready, or for the bridge to exist.',
  },
  appliance: {
    type: 'string',
    pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
    maxLength: 63,
    description:
      "Join the LAN of this Appliance instead of naming a bridge: the NIC goes on the appliance's LAN bridge with `ip: dhcp` and the appliance reserves an address for its MAC. At most one NIC joins an appliance.",
  },
  ip: {
    type: 'string',
    description:
      '`dhcp`, `none` or a static IPv4 address with its prefix, e.g. `10.20.0.10/24` (with `gateway`). With `appliance`: the address the appliance reserves.',
    pattern: '^(dhcp|none|(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2})$',
    default: NIC_DEFAULTS.ip,
  },
  gateway: {
    type: 'string',
    description: 'IPv4 default gateway (static `ip` only). At most one NIC has one.',
    pattern: IPV4_PATTERN,
  },
  firewall: {
    type: 'boolean',
    default: NIC_DEFAULTS.firewall,
    description: 'Enable the Proxmox firewall on this NIC.',
  },
  vlan: { type: 'integer', minimum: 1, maximum: 4094, description: 'VLAN tag.' },
  mtu: { type: 'integer', minimum: 64, maximum: 65535, description: 'MTU of the NIC.' },
  rate: { type: 'number', exclusiveMinimum: 0, description: 'Rate limit in MB/s.' },
} as const;
