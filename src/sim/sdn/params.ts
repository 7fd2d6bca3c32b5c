/** Parameters of the SDN endpoints, as the official 9.1.3 schema lists them. */
import type { ParamDef } from '../types.js';

export const zoneCreateParams: Record<string, ParamDef> = {
  'advertise-subnets': { type: 'boolean', optional: true },
  bridge: { type: 'string', optional: true },
  'bridge-disable-mac-learning': { type: 'boolean', optional: true },
  controller: { type: 'string', optional: true },
  dhcp: { type: 'string', optional: true, enum: ['dnsmasq'] },
  'disable-arp-nd-suppression': { type: 'boolean', optional: true },
  dns: { type: 'string', optional: true },
  dnszone: { type: 'string', optional: true, format: 'dns-name' },
  'dp-id': { type: 'integer', optional: true },
  exitnodes: { type: 'string', optional: true, format: 'pve-node-list' },
  'exitnodes-local-routing': { type: 'boolean', optional: true },
  'exitnodes-primary': { type: 'string', optional: true, format: 'pve-node' },
  fabric: { type: 'string', optional: true, format: 'pve-sdn-fabric-id' },
  ipam: { type: 'string', optional: true },
  'lock-token': { type: 'string', optional: true },
  mac: { type: 'string', optional: true, format: 'mac-addr' },
  mtu: { type: 'integer', optional: true },
  nodes: { type: 'string', optional: true, format: 'pve-node-list' },
  peers: { type: 'string', optional: true, format: 'ip-list' },
  reversedns: { type: 'string', optional: true },
  'rt-import': { type: 'string', optional: true, format: 'pve-sdn-bgp-rt-list' },
  tag: { type: 'integer', optional: true, minimum: 0 },
  type: {
    type: 'string',
    enum: ['evpn', 'faucet', 'qinq', 'simple', 'vlan', 'vxlan'],
    format: 'pve-configid',
  },
  'vlan-protocol': {
    type: 'string',
    optional: true,
    enum: ['802.1q', '802.1ad'],
    default: '802.1q',
  },
  'vrf-vxlan': { type: 'integer', optional: true, minimum: 1, maximum: 16777215 },
  'vxlan-port': { type: 'integer', optional: true, minimum: 1, maximum: 65536, default: 4789 },
  zone: { type: 'string', format: 'pve-sdn-zone-id' },
};

export const vnetCreateParams: Record<string, ParamDef> = {
  alias: {
    type: 'string',
    optional: true,
    pattern: '(?^i:[\\(\\)-_.\\w\\d\\s]{0,256})',
    maxLength: 256,
  },
  'isolate-ports': { type: 'boolean', optional: true },
  'lock-token': { type: 'string', optional: true },
  tag: { type: 'integer', optional: true, minimum: 1, maximum: 16777215 },
  type: { type: 'string', optional: true, enum: ['vnet'] },
  vlanaware: { type: 'boolean', optional: true },
  vnet: { type: 'string', format: 'pve-sdn-vnet-id' },
  zone: { type: 'string' },
};

export const vnetUpdateParams: Record<string, ParamDef> = {
  alias: {
    type: 'string',
    optional: true,
    pattern: '(?^i:[\\(\\)-_.\\w\\d\\s]{0,256})',
    maxLength: 256,
  },
  delete: { type: 'string', optional: true, format: 'pve-configid-list', maxLength: 4096 },
  digest: { type: 'string', optional: true, maxLength: 64 },
  'isolate-ports': { type: 'boolean', optional: true },
  'lock-token': { type: 'string', optional: true },
  tag: { type: 'integer', optional: true, minimum: 1, maximum: 16777215 },
  vlanaware: { type: 'boolean', optional: true },
  vnet: { type: 'string', format: 'pve-sdn-vnet-id' },
  zone: { type: 'string', optional: true },
};

export const zoneUpdateParams: Record<string, ParamDef> = {
  ...Object.fromEntries(Object.entries(zoneCreateParams).filter(([k]) => k !== 'type')),
  zone: zoneCreateParams['zone'] as ParamDef,
  delete: { type: 'string', optional: true, format: 'pve-configid-list', maxLength: 4096 },
  digest: { type: 'string', optional: true, maxLength: 64 },
};

export const viewParams: Record<string, ParamDef> = {
  pending: { type: 'boolean', optional: true },
  running: { type: 'boolean', optional: true },
};

export const lockTokenParam: ParamDef = { type: 'string', optional: true };
export const releaseLockParam: ParamDef = { type: 'boolean', optional: true, default: 1 };
export const subnetCreateParams: Record<string, ParamDef> = {
  'dhcp-dns-server': { type: 'string', optional: true, format: 'ip' },
  'dhcp-range': {
    type: 'array',
    optional: true,
    items: { type: 'string', format: 'pve-sdn-dhcp-range' },
  },
  dnszoneprefix: { type: 'string', optional: true, format: 'dns-name' },
  gateway: { type: 'string', optional: true, format: 'ip' },
  'lock-token': { type: 'string', optional: true },
  snat: { type: 'boolean', optional: true },
  subnet: { type: 'string', format: 'pve-sdn-subnet-id' },
  type: { type: 'string', enum: ['subnet'] },
  vnet: { type: 'string' },
};
export const subnetUpdateParams: Record<string, ParamDef> = {
  delete: { type: 'string', optional: true, format: 'pve-configid-list', maxLength: 4096 },
  'dhcp-dns-server': { type: 'string', optional: true, format: 'ip' },
  'dhcp-range': {
    type: 'array',
    optional: true,
    items: { type: 'string', format: 'pve-sdn-dhcp-range' },
  },
  digest: { type: 'string', optional: true, maxLength: 64 },
  dnszoneprefix: { type: 'string', optional: true, format: 'dns-name' },
  gateway: { type: 'string', optional: true, format: 'ip' },
  'lock-token': { type: 'string', optional: true },
  snat: { type: 'boolean', optional: true },
  subnet: { type: 'string', format: 'pve-sdn-subnet-id' },
  vnet: { type: 'string', optional: true },
};
