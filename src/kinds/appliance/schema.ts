/**
 * The Appliance spec schema: the network-appliance LXC (WAN NIC `net0`/`eth0`, LAN NIC `net1`/`eth1`)
 * and the services pxr keeps converged inside it — dnsmasq (DHCP + DNS), nftables (NAT) and Caddy
 * (reverse proxy) — reached through `access`. The TypeScript type is derived from it and
 * `schemas/appliance.schema.json` is exported from it (`npm run schemas`); rules JSON Schema cannot
 * say well (ranges inside the LAN, transport settings) are in `validate.ts`.
 */
import type { FromSchema } from 'json-schema-to-ts';
import {
  CIDR_V4_PATTERN,
  IPV4_PATTERN,
  NIC_BRIDGE_MAX_LENGTH,
  NIC_BRIDGE_PATTERN,
  PVE_NODE_PATTERN,
} from '../../source/checks.js';
import { lxcResourcesSchema } from '../app-container/resources-schema.js';

/**
 * pxr's defaults, the one source for both the schema's `default`s (which Ajv fills in) and
 * `resolveAppliance`/`applianceCtSpec` (which take a spec before or after that).
 */
export const APPLIANCE_DEFAULTS = {
  cores: 1,
  memory: 512,
  swap: 512,
  diskGb: 4,
  storage: 'local-lvm',
  wanIp: 'dhcp',
  wanFirewall: false,
  leaseTime: '12h',
  upstream: ['1.1.1.1', '9.9.9.9'],
  natEnabled: true,
  httpPort: 80,
  adminListen: '127.0.0.1:2019',
  sshPort: 22,
  sshUser: 'root',
  onboot: true,
} as const;
const D = APPLIANCE_DEFAULTS;

/** A NIC's bridge: any name a NIC accepts (a bridge made by hand such as `proximity-lan` too). */
const bridge = {
  type: 'string',
  pattern: NIC_BRIDGE_PATTERN,
  minLength: 1,
  maxLength: NIC_BRIDGE_MAX_LENGTH,
} as const;

const DOMAIN_PATTERN =
  '^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$';

const range = {
  type: 'object',
  required: ['start', 'end'],
  additionalProperties: false,
  properties: {
    start: { type: 'string', pattern: IPV4_PATTERN, description: 'First address.' },
    end: { type: 'string', pattern: IPV4_PATTERN, description: 'Last address (inclusive).' },
  },
} as const;

const port = { type: 'integer', minimum: 1, maximum: 65535 } as const;

export const applianceSpecSchema = {
  type: 'object',
  description:
    'The network appliance of an isolated LAN: an LXC with a WAN and a LAN NIC running DHCP/DNS (dnsmasq), NAT (nftables) and a reverse proxy (Caddy), kept converged by pxr.',
  required: ['node', 'template', 'wan', 'lan', 'dhcp', 'dns', 'access'],
  additionalProperties: false,
  properties: {
    node: {
      type: 'string',
      pattern: PVE_NODE_PATTERN,
      maxLength: 63,
      description: 'Proxmox VE node that runs the appliance; its members must run there too.',
    },
    vmid: {
      type: 'integer',
      minimum: 100,
      maximum: 999999999,
      description: 'Container id; when unset pxr allocates one and records it in status.',
    },
    template: {
      type: 'string',
      pattern: '^[a-z][a-z0-9\\-_.]*[a-z0-9]:vztmpl/[^/\\s]+$',
      description:
        'OS template with dnsmasq, nftables, Caddy and curl available (create-only, as for an AppContainer), e.g. `local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst`.',
    },
    hostname: {
      type: 'string',
      pattern: DOMAIN_PATTERN,
      maxLength: 255,
      description: 'Host name of the appliance; defaults to `metadata.name`.',
    },
    resources: lxcResourcesSchema(
      D,
      'CPU, memory and root disk of the appliance container.',
      'Storage of the root file system (create-only).',
    ),
    wan: {
      type: 'object',
      required: ['bridge'],
      additionalProperties: false,
      description: 'The outside NIC (`net0`, `eth0`): NAT masquerades out of it.',
      properties: {
        bridge: { ...bridge, description: 'Bridge towards the outside, e.g. `vmbr0`.' },
        ip: {
          type: 'string',
          pattern: '^(dhcp|(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2})$',
          default: D.wanIp,
          description: '`dhcp` or a static IPv4 address with its prefix.',
        },
        gateway: {
          type: 'string',
          pattern: IPV4_PATTERN,
          description: 'Default gateway (static `ip` only).',
        },
        firewall: {
          type: 'boolean',
          default: D.wanFirewall,
          description: 'Proxmox firewall on this NIC.',
        },
      },
    },
    lan: {
      type: 'object',
      required: ['bridge', 'cidr'],
      additionalProperties: false,
      description: 'The LAN NIC (`net1`, `eth1`): the gateway of the isolated LAN.',
      properties: {
        bridge: { ...bridge, description: 'The isolated LAN bridge, e.g. `vmbr10`.' },
        cidr: {
          type: 'string',
          pattern: CIDR_V4_PATTERN,
          description:
            "The appliance's own LAN address with the LAN's prefix, e.g. `10.20.0.1/24`: members use it as gateway and DNS server.",
        },
      },
    },
    dhcp: {
      type: 'object',
      required: ['range'],
      additionalProperties: false,
      description: 'DHCP on the LAN.',
      properties: {
        range: { ...range, description: 'The dynamic pool, e.g. 10.20.0.100 – 10.20.0.199.' },
        leaseTime: {
          type: 'string',
          pattern: '^(\\d+[smhdw]?|infinite)$',
          default: D.leaseTime,
          description: 'Lease time (`12h`, `30m`, `3600`, `infinite`).',
        },
        reservedRange: {
          ...range,
          description:
            'Where fixed addresses of members (`network.ip`) must lie; outside the dynamic pool.',
        },
      },
    },
    dns: {
      type: 'object',
      required: ['domain'],
      additionalProperties: false,
      description: 'DNS served on the LAN.',
      properties: {
        domain: {
          type: 'string',
          pattern: DOMAIN_PATTERN,
          maxLength: 253,
          description: 'Local domain: every member answers as `<hostname>.<domain>`.',
        },
        upstream: {
          type: 'array',
          items: { type: 'string', pattern: IPV4_PATTERN },
          default: D.upstream,
          description: 'Upstream resolvers for every other name.',
        },
        records: {
          type: 'array',
          default: [],
          description: 'Extra records.',
          items: {
            type: 'object',
            required: ['name', 'type', 'value'],
            additionalProperties: false,
            properties: {
              name: {
                type: 'string',
                pattern: DOMAIN_PATTERN,
                maxLength: 253,
                description: 'Full name, e.g. `db.prox.local`.',
              },
              type: {
                type: 'string',
                enum: ['A', 'AAAA', 'CNAME', 'TXT'],
                description: 'Record type.',
              },
              value: {
                type: 'string',
                maxLength: 255,
                description: 'Address (A/AAAA), target name (CNAME) or text (TXT).',
              },
            },
          },
        },
      },
    },
    nat: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'NAT from the LAN out of the WAN NIC.',
      properties: {
        enabled: {
          type: 'boolean',
          default: D.natEnabled,
          description: 'Masquerade and IP forwarding on (pxr owns the `inet pxr` nft table).',
        },
        masqueradeFrom: {
          type: 'string',
          pattern: CIDR_V4_PATTERN,
          description: 'Source network to masquerade; defaults to the LAN network.',
        },
      },
    },
    proxy: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'The reverse proxy (Caddy) routing the members’ `expose` entries.',
      properties: {
        httpPort: { ...port, default: D.httpPort, description: 'Port the proxy serves HTTP on.' },
        httpsPort: { ...port, description: 'Port the proxy serves HTTPS on (optional).' },
        defaultSite: {
          type: 'string',
          pattern: DOMAIN_PATTERN,
          description: 'An exposed host that also answers requests for unknown hosts.',
        },
        adminListen: {
          type: 'string',
          pattern: '^[^\\s/]+:\\d{1,5}$',
          default: D.adminListen,
          description: "Caddy's admin API inside the appliance (keep it on loopback).",
        },
      },
    },
    access: {
      type: 'object',
      required: ['transport'],
      additionalProperties: false,
      description:
        'How pxr reaches inside the appliance: `ssh` straight in, `pct` (ssh to the node, then `pct exec`), or `simulated` (the emulated appliance of `pxr run --sim`).',
      properties: {
        transport: {
          type: 'string',
          enum: ['ssh', 'pct', 'simulated'],
          description: 'How to reach the appliance.',
        },
        host: {
          type: 'string',
          minLength: 1,
          maxLength: 253,
          description: 'ssh: the appliance address; pct: the Proxmox node address.',
        },
        port: { ...port, default: D.sshPort, description: 'ssh port.' },
        user: {
          type: 'string',
          minLength: 1,
          maxLength: 64,
          default: D.sshUser,
          description: 'ssh user.',
        },
        privateKeyFile: {
          type: 'string',
          minLength: 1,
          description:
            'A regular file with mode 600 (as ssh demands) holding an SSH private key without a passphrase; checked and read when connecting, never logged.',
        },
        hostKeyFingerprint: {
          type: 'string',
          pattern: '^SHA256:[A-Za-z0-9+/]{43}=?$',
          description: 'The pinned host key, as `ssh-keygen -lf` prints it (`SHA256:...`).',
        },
      },
    },
    onboot: { type: 'boolean', default: D.onboot, description: 'Start at node boot.' },
    tags: {
      type: 'array',
      items: { type: 'string', pattern: '^[a-z0-9_][a-z0-9_\\-+.]*$' },
      default: [],
      description: 'Proxmox tags; pxr always adds `pxr`.',
    },
    description: { type: 'string', maxLength: 7000, description: 'Notes in the Proxmox UI.' },
    auth: {
      type: 'object',
      additionalProperties: false,
      description: 'Create-time credentials (e.g. the key the `ssh` transport logs in with).',
      properties: {
        sshPublicKeys: {
          type: 'array',
          items: { type: 'string' },
          description: 'Public keys installed for root.',
        },
        sshPublicKeysFile: {
          type: 'string',
          description:
            'A regular file of SSH public keys for root, one per line; every line must be a real SSH public key.',
        },
        passwordFile: {
          type: 'string',
          description:
            'A regular file holding the root password, not readable by group or others (`chmod 600`); never logged.',
        },
      },
    },
  },
} as const;

/** Defaulted fields stay optional: `resolveAppliance` applies the defaults. */
export type ApplianceSpec = FromSchema<
  typeof applianceSpecSchema,
  { keepDefaultedPropertiesOptional: true }
>;
