/**
 * The VNet spec schema: a Proxmox SDN VNet (`/cluster/sdn/vnets`) and its subnets, named by
 * `metadata.name` (the vnet id — and the bridge name guests put on their NIC: a letter, then
 * letters or digits, 2 to 8 characters).
 */
import type { FromSchema } from 'json-schema-to-ts';
import { CIDR_V4_PATTERN, IPV4_PATTERN } from '../../source/checks.js';

export const vnetSpecSchema = {
  type: 'object',
  description:
    'An SDN VNet: a bridge named like the object on every node of its zone, with subnets (gateway on the host, SNAT, DHCP). Guests and appliances join it like a bridge (`bridge: <name>`). Written pending and applied cluster-wide with one `PUT /cluster/sdn`.',
  required: ['zone'],
  additionalProperties: false,
  properties: {
    zone: {
      type: 'string',
      pattern: '^[a-zA-Z][a-zA-Z0-9]*[a-zA-Z0-9]$',
      maxLength: 8,
      description: 'The SdnZone (its `metadata.name`) the VNet belongs to.',
    },
    tag: {
      type: 'integer',
      minimum: 1,
      maximum: 16777215,
      description:
        'VLAN id (vlan zones, 1..4094) or VXLAN id (vxlan zones); none in a simple zone.',
    },
    alias: {
      type: 'string',
      maxLength: 256,
      pattern: '^[()\\-_.\\w\\s]*$',
      description: 'Free text shown beside the name (Proxmox `alias`).',
    },
    vlanAware: {
      type: 'boolean',
      default: false,
      description: 'Guests may tag VLANs inside the VNet (Proxmox `vlanaware`; no subnets then).',
    },
    subnets: {
      type: 'array',
      default: [],
      description: 'IPv4 subnets of the VNet.',
      items: {
        type: 'object',
        required: ['cidr'],
        additionalProperties: false,
        properties: {
          cidr: {
            type: 'string',
            pattern: CIDR_V4_PATTERN,
            description: 'The network, e.g. `172.16.100.0/24` (Proxmox `subnet`).',
          },
          gateway: {
            type: 'string',
            pattern: IPV4_PATTERN,
            description:
              "The host's address on the VNet, the guests' gateway (e.g. `172.16.100.1`).",
          },
          snat: {
            type: 'boolean',
            default: false,
            description: "Masquerade the subnet behind the host's outgoing address (simple zones).",
          },
          dhcpRanges: {
            type: 'array',
            description:
              'Address pools DHCP leases from (Proxmox `dhcp-range`; needs `dhcp: dnsmasq` on the zone).',
            items: {
              type: 'object',
              required: ['start', 'end'],
              additionalProperties: false,
              properties: {
                start: { type: 'string', pattern: IPV4_PATTERN, description: '`start-address`' },
                end: { type: 'string', pattern: IPV4_PATTERN, description: '`end-address`' },
              },
            },
          },
          dhcpDnsServer: {
            type: 'string',
            pattern: IPV4_PATTERN,
            description: 'DNS server DHCP hands out (Proxmox `dhcp-dns-server`).',
          },
          dnsZonePrefix: {
            type: 'string',
            pattern:
              '^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$',
            maxLength: 253,
            description: 'Prefix of the DNS zone records go to (Proxmox `dnszoneprefix`).',
          },
        },
      },
    },
  },
} as const;

export type VNetSpec = FromSchema<typeof vnetSpecSchema>;
export type SubnetSpec = NonNullable<VNetSpec['subnets']>[number];
