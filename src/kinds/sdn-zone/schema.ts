/**
 * The SdnZone spec schema: a Proxmox SDN zone (`/cluster/sdn/zones`), named by `metadata.name`
 * (the zone id: a letter, then letters or digits, 2 to 8 characters). Field names are Proxmox's.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { IPV4_PATTERN, PVE_IFACE_PATTERN, PVE_NODE_PATTERN } from '../../source/checks.js';

export const sdnZoneSpecSchema = {
  type: 'object',
  description:
    'An SDN zone: the kind of L2 segment its VNets get on every node (simple: a local bridge per node; vlan: a VLAN of an existing bridge; vxlan: a VXLAN tunnel between peers). Written pending and applied cluster-wide with one `PUT /cluster/sdn`.',
  required: ['type'],
  additionalProperties: false,
  properties: {
    type: {
      enum: ['simple', 'vlan', 'vxlan'],
      description:
        '`simple` (isolated bridge per node, routed and SNATed by the host), `vlan` (needs `bridge`), `vxlan` (needs `peers`). Cannot change in place.',
    },
    bridge: {
      type: 'string',
      pattern: PVE_IFACE_PATTERN,
      maxLength: 20,
      description: 'vlan zones: the (VLAN-aware) bridge that carries the VNets, e.g. `vmbr0`.',
    },
    peers: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', pattern: IPV4_PATTERN },
      description:
        'vxlan zones: the address of every node in the zone, e.g. `[10.0.0.1, 10.0.0.2]`.',
    },
    mtu: {
      type: 'integer',
      minimum: 576,
      maximum: 65520,
      description: "MTU of the zone's VNets (vxlan: 50 below the underlay, e.g. 1450).",
    },
    dhcp: {
      const: 'dnsmasq',
      description: 'DHCP for the subnets of the zone (their `dhcpRanges`) by dnsmasq on the nodes.',
    },
    ipam: {
      type: 'string',
      pattern: '^[a-zA-Z][a-zA-Z0-9]*$',
      maxLength: 64,
      description: 'IPAM that records addresses (`pve`, the built-in one; needed with `dhcp`).',
    },
    nodes: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', pattern: PVE_NODE_PATTERN, maxLength: 63 },
      description: 'Nodes the zone exists on (default: every node).',
    },
  },
} as const;

export type SdnZoneSpec = FromSchema<typeof sdnZoneSpecSchema>;
