/**
 * The Bridge spec schema: the single source of truth for the Bridge manifest. The TypeScript type is
 * derived from it and `schemas/bridge.schema.json` is exported from it (`npm run schemas`).
 * Bounds follow the Proxmox VE 9.1 API (`POST /nodes/{node}/network`); the semantic rules that JSON
 * Schema cannot say well (gateway inside cidr, vids only when VLAN-aware...) are in `validate.ts`.
 */
import type { FromSchema } from 'json-schema-to-ts';
import {
  CIDR_V4_PATTERN,
  IPV4_PATTERN,
  PVE_IFACE_MAX_LENGTH,
  PVE_IFACE_PATTERN,
  PVE_NODE_PATTERN,
  VLAN_ITEM_PATTERN,
  VLAN_LIST_PATTERN,
} from '../../source/checks.js';

const ifaceName = {
  type: 'string',
  pattern: PVE_IFACE_PATTERN,
  minLength: 2,
  maxLength: PVE_IFACE_MAX_LENGTH,
} as const;

export const bridgeSpecSchema = {
  type: 'object',
  description:
    'A Linux bridge — or a host VLAN interface such as `vmbr0.20` — in the network configuration of one Proxmox VE node. Both kinds of interface of a node are staged together and applied with one reload.',
  required: ['node', 'iface'],
  additionalProperties: false,
  properties: {
    node: {
      type: 'string',
      description: 'Proxmox VE node that holds the bridge (e.g. `pve`).',
      pattern: PVE_NODE_PATTERN,
      maxLength: 63,
    },
    iface: {
      ...ifaceName,
      description:
        'Interface name, e.g. `vmbr1`; a dotted name (`vmbr0.20`) is a host VLAN interface tagging `vmbr0` with VLAN 20. Proxmox allows `^[a-z][a-z0-9_]{1,20}([:.]\\d+)?$` (at most 20 characters): no dashes, so `proximity-lan` is rejected with a suggestion.',
    },
    vlan: {
      type: 'object',
      description:
        'Makes this a host VLAN interface (Proxmox type `vlan`) instead of a bridge: the interface it tags and the tag. Not needed with a dotted `iface` (`vmbr0.20` says both); with one, it must agree. A VLAN interface has no `ports`, `vlanAware` or `vids`.',
      required: ['device', 'id'],
      additionalProperties: false,
      properties: {
        device: {
          ...ifaceName,
          description:
            'The interface carrying the tagged frames (`vlan-raw-device`), e.g. `vmbr0` or `eno1`.',
        },
        id: {
          type: 'integer',
          minimum: 1,
          maximum: 4094,
          description: 'The VLAN id (`vlan-id`), 1 to 4094.',
        },
      },
    },
    ports: {
      type: 'array',
      description:
        'Physical ports or bonds enslaved to the bridge, e.g. `[eno2]`; `[]` for an isolated bridge.',
      items: { ...ifaceName, description: 'A port interface name.' },
      default: [],
    },
    cidr: {
      type: 'string',
      description:
        'IPv4 address of the host on the bridge with its prefix length, e.g. `10.10.0.1/24` (optional).',
      pattern: CIDR_V4_PATTERN,
    },
    gateway: {
      type: 'string',
      description:
        'IPv4 default gateway reached through this bridge; must lie inside `cidr`. Proxmox allows one default gateway per node.',
      pattern: IPV4_PATTERN,
    },
    vlanAware: {
      type: 'boolean',
      description: 'Make the bridge VLAN-aware (guests tag their NICs).',
      default: false,
    },
    vids: {
      description:
        'VLAN ids the bridge carries, only with `vlanAware`: a string like `2-4094` or `2 4 100-200`, or a list of ids and ranges. Proxmox defaults to `2-4094`.',
      anyOf: [
        {
          type: 'string',
          pattern: VLAN_LIST_PATTERN,
          description: 'Ids and ranges, e.g. `2-4094`.',
        },
        {
          type: 'array',
          description: 'Ids and ranges, e.g. `[10, 20, "100-200"]`.',
          minItems: 1,
          items: {
            description: 'A VLAN id (1..4094) or a range `from-to`.',
            anyOf: [
              { type: 'integer', minimum: 1, maximum: 4094, description: 'A VLAN id.' },
              { type: 'string', pattern: VLAN_ITEM_PATTERN, description: 'A range `from-to`.' },
            ],
          },
        },
      ],
    },
    mtu: {
      type: 'integer',
      description:
        "MTU of the bridge (Proxmox VE 9.1 accepts 1280 to 65520), never above its ports' MTU; unset keeps the default.",
      minimum: 1280,
      maximum: 65520,
    },
    autostart: {
      type: 'boolean',
      description: 'Bring the bridge up at boot (`auto` line).',
      default: true,
    },
    comment: {
      type: 'string',
      description: 'Comment shown in the Proxmox UI (`comments`).',
    },
    allowApiBridge: {
      type: 'boolean',
      description:
        "Allow pxr to change or remove the bridge that carries the node's API address or default gateway. Off by default: a mistake there cuts pxr (and you) off the node.",
      default: false,
    },
    adopt: {
      type: 'boolean',
      description:
        'Take over an existing bridge of the same name that pxr did not create (otherwise pxr refuses to touch it).',
      default: false,
    },
  },
} as const;

export type BridgeSpec = FromSchema<typeof bridgeSpecSchema>;
