/**
 * Parameters of the `/nodes/{node}/network` endpoints as the official schema declares them
 * (pve-manager `PVE::API2::Network` `$confdesc`); the conformance test compares them field by field.
 */
import type { ParamDef } from '../types.js';

const IFACE_TYPES = [
  'bridge',
  'bond',
  'eth',
  'alias',
  'vlan',
  'fabric',
  'OVSBridge',
  'OVSBond',
  'OVSPort',
  'OVSIntPort',
  'vnet',
] as const;

const BOND_MODES = [
  'balance-rr',
  'active-backup',
  'balance-xor',
  'broadcast',
  '802.3ad',
  'balance-tlb',
  'balance-alb',
  'balance-slb',
  'lacp-balance-slb',
  'lacp-balance-tcp',
] as const;

import { nodeParam } from '../params.js';

export { nodeParam };

export const ifaceParam: ParamDef = {
  type: 'string',
  format: 'pve-iface',
  minLength: 2,
  maxLength: 20,
};

/** `?type=` of the list: the interface types plus the bridge and SDN selectors. */
export const listTypeParam: ParamDef = {
  type: 'string',
  optional: true,
  enum: [...IFACE_TYPES, 'any_bridge', 'any_local_bridge', 'include_sdn'],
};

const optString = (format?: string): ParamDef =>
  format === undefined
    ? { type: 'string', optional: true }
    : { type: 'string', optional: true, format };

/** The interface properties accepted by create and update (`$confdesc`). */
export const ifaceConfigParams: Record<string, ParamDef> = {
  type: { type: 'string', enum: [...IFACE_TYPES, 'unknown'] },
  autostart: { type: 'boolean', optional: true },
  bridge_vlan_aware: { type: 'boolean', optional: true },
  bridge_ports: optString('pve-iface-list'),
  bridge_vids: optString('pve-vlan-id-or-range-list'),
  ovs_ports: optString('pve-iface-list'),
  ovs_tag: { type: 'integer', optional: true, minimum: 1, maximum: 4094 },
  ovs_options: { type: 'string', optional: true, maxLength: 1024 },
  ovs_bonds: optString('pve-iface-list'),
  ovs_bridge: optString('pve-iface'),
  slaves: optString('pve-iface-list'),
  bond_mode: { type: 'string', optional: true, enum: BOND_MODES },
  'bond-primary': optString('pve-iface'),
  bond_xmit_hash_policy: {
    type: 'string',
    optional: true,
    enum: ['layer2', 'layer2+3', 'layer3+4'],
  },
  'vlan-id': { type: 'integer', optional: true, minimum: 1, maximum: 4094 },
  'vlan-raw-device': optString('pve-iface'),
  gateway: optString('ipv4'),
  gateway6: optString('ipv6'),
  netmask: optString('ipv4mask'),
  netmask6: { type: 'integer', optional: true, minimum: 0, maximum: 128 },
  address: optString('ipv4'),
  address6: optString('ipv6'),
  cidr: optString('CIDRv4'),
  cidr6: optString('CIDRv6'),
  comments: optString(),
  comments6: optString(),
  mtu: { type: 'integer', optional: true, minimum: 1280, maximum: 65520 },
};

export const createParams: Record<string, ParamDef> = {
  node: nodeParam,
  iface: ifaceParam,
  ...ifaceConfigParams,
};

export const updateParams: Record<string, ParamDef> = {
  ...createParams,
  delete: optString('pve-configid-list'),
};
