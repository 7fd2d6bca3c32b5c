/**
 * The AppContainer spec schema: the single source of truth for the AppContainer manifest (an LXC
 * application container). The TypeScript type is derived from it and
 * `schemas/appcontainer.schema.json` is exported from it (`npm run schemas`). Bounds follow
 * `POST /nodes/{node}/lxc` of the Proxmox VE 9.1 API; rules JSON Schema cannot say well (gateway
 * inside the CIDR, unique mount paths...) are in `validate.ts`.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { IPV4_PATTERN, PVE_NODE_PATTERN } from '../../source/checks.js';
import { networksSchema, nicPolicySchema, nicProperties } from '../guest-nics/schema.js';
import { lxcResourcesSchema, sizeGb, storageId } from './resources-schema.js';

/**
 * pxr's defaults, the one source for both the schema's `default`s (which Ajv fills in) and
 * `resolveSpec` (which takes a spec before or after that).
 */
export const APP_CONTAINER_DEFAULTS = {
  cores: 1,
  memory: 512,
  swap: 512,
  diskGb: 8,
  storage: 'local-lvm',
  nicPolicy: 'report',
  unprivileged: true,
  onboot: false,
  state: 'running',
  mountBackup: false,
  mountReadOnly: false,
  restartPolicy: 'never',
  replacePolicy: 'never',
  shutdownTimeoutSeconds: 60,
  adopt: false,
} as const;
const D = APP_CONTAINER_DEFAULTS;

/** Reverse-proxy routes on an appliance, for a member of its LAN (AppContainer, VirtualMachine). */
export const exposeSchema = {
  type: 'array',
  default: [],
  description:
    "Reverse-proxy routes on the appliance (with a NIC that has `appliance` only): requests for `host` (and under `pathPrefix`) go to this container's `port`.",
  items: {
    type: 'object',
    required: ['host', 'port'],
    additionalProperties: false,
    properties: {
      host: {
        type: 'string',
        description: 'Public host name the proxy matches, e.g. `web.prox.local`.',
        pattern:
          '^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$',
        maxLength: 253,
      },
      port: {
        type: 'integer',
        minimum: 1,
        maximum: 65535,
        description: "The app's port inside the container.",
      },
      pathPrefix: {
        type: 'string',
        pattern: '^/[A-Za-z0-9._~\\-/]*$',
        description: 'Only requests under this path take the route, e.g. `/api`.',
      },
    },
  },
} as const;

export const appContainerSpecSchema = {
  type: 'object',
  description: 'An LXC application container on one Proxmox VE node, kept converged by pxr.',
  required: ['node', 'template'],
  additionalProperties: false,
  properties: {
    node: {
      type: 'string',
      description: 'Proxmox VE node that runs the container (e.g. `pve`).',
      pattern: PVE_NODE_PATTERN,
      maxLength: 63,
    },
    vmid: {
      type: 'integer',
      description:
        'Container id. Optional: when unset pxr allocates one with `/cluster/nextid` and records it in status.',
      minimum: 100,
      maximum: 999999999,
    },
    template: {
      type: 'string',
      description:
        'OS template volume, e.g. `local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst` (checked to exist). Create-only: a change sets `RequiresReplace`; the container is re-created only with `replacePolicy: recreate`.',
      pattern: '^[a-z][a-z0-9\\-_.]*[a-z0-9]:vztmpl/[^/\\s]+$',
    },
    hostname: {
      type: 'string',
      description: 'Host name inside the container; defaults to `metadata.name`.',
      pattern:
        '^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$',
      maxLength: 255,
    },
    resources: lxcResourcesSchema(
      D,
      'CPU, memory and root disk.',
      'Storage of the root file system. Create-only: a change sets `RequiresReplace`; the container is re-created only with `replacePolicy: recreate`.',
    ),
    network: {
      type: 'object',
      description:
        'The only NIC (`net0`, `eth0` inside the container), shorthand for a one-item `networks`: `bridge` or `appliance`. Its MAC is kept stable after create.',
      additionalProperties: false,
      properties: nicProperties,
    },
    networks: networksSchema,
    nicPolicy: nicPolicySchema,
    dns: {
      type: 'object',
      description: 'DNS settings written into the container (unset: the host settings).',
      additionalProperties: false,
      properties: {
        nameservers: {
          type: 'array',
          items: { type: 'string', pattern: IPV4_PATTERN },
          description: 'Name server addresses.',
        },
        searchdomain: { type: 'string', description: 'DNS search domain.' },
      },
    },
    unprivileged: {
      type: 'boolean',
      default: D.unprivileged,
      description:
        'Run as an unprivileged container. Create-only: a change sets `RequiresReplace`; the container is re-created only with `replacePolicy: recreate`.',
    },
    features: {
      type: 'object',
      description: 'LXC features.',
      additionalProperties: false,
      properties: {
        nesting: { type: 'boolean', description: 'Allow nesting (needed by recent systemd).' },
        keyctl: { type: 'boolean', description: 'Allow the keyctl() system call.' },
        fuse: { type: 'boolean', description: 'Allow FUSE mounts.' },
        mknod: { type: 'boolean', description: 'Allow mknod() (experimental).' },
      },
    },
    onboot: { type: 'boolean', default: D.onboot, description: 'Start at node boot.' },
    startup: {
      type: 'object',
      description: 'Boot order and delays.',
      additionalProperties: false,
      properties: {
        order: { type: 'integer', minimum: 0, description: 'Start order (lower first).' },
        up: { type: 'integer', minimum: 0, description: 'Seconds to wait after starting.' },
        down: { type: 'integer', minimum: 0, description: 'Seconds to wait for shutdown.' },
      },
    },
    state: {
      type: 'string',
      enum: ['running', 'stopped'],
      default: D.state,
      description: 'Desired power state; a container stopped by hand is drift.',
    },
    tags: {
      type: 'array',
      items: { type: 'string', pattern: '^[a-z0-9_][a-z0-9_\\-+.]*$' },
      default: [],
      description: 'Proxmox tags (lower case); pxr always adds `pxr`.',
    },
    description: {
      type: 'string',
      maxLength: 7000,
      description:
        'Notes shown in the Proxmox UI. pxr appends its ownership marker line (`pxr:uid=...`).',
    },
    auth: {
      type: 'object',
      description:
        'Create-time credentials, used when the container is created only. Proxmox cannot read them back: they are never compared (never drift) and are reported as unknown.',
      additionalProperties: false,
      properties: {
        sshPublicKeys: {
          type: 'array',
          items: { type: 'string' },
          description: 'SSH public keys for root.',
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
    mountPoints: {
      type: 'array',
      description: 'Extra volumes (`mp0`, `mp1`...), in order.',
      maxItems: 256,
      default: [],
      items: {
        type: 'object',
        required: ['path', 'size'],
        additionalProperties: false,
        properties: {
          path: {
            type: 'string',
            pattern: '^/[^,;=\\s]*$',
            description: 'Mount path inside the container.',
          },
          size: sizeGb,
          storage: { ...storageId, default: D.storage },
          backup: { type: 'boolean', default: D.mountBackup, description: 'Include in backups.' },
          readOnly: { type: 'boolean', default: D.mountReadOnly, description: 'Mount read-only.' },
        },
      },
    },
    restartPolicy: {
      type: 'string',
      enum: ['never', 'onChange'],
      default: D.restartPolicy,
      description:
        '`onChange` reboots a running container whose changes Proxmox kept pending; `never` only reports `PendingRestart`.',
    },
    replacePolicy: {
      type: 'string',
      enum: ['never', 'recreate'],
      default: D.replacePolicy,
      description:
        '`recreate` destroys and re-creates the container when a create-only field changes; `never` only reports `RequiresReplace`.',
    },
    shutdownTimeoutSeconds: {
      type: 'integer',
      minimum: 0,
      maximum: 3600,
      default: D.shutdownTimeoutSeconds,
      description: 'How long a clean shutdown may take before the container is stopped.',
    },
    expose: exposeSchema,
    adopt: {
      type: 'boolean',
      default: D.adopt,
      description:
        'Take over an existing container at `vmid` that pxr did not create (otherwise pxr refuses to touch it); fields the API cannot read back are reported as unknown.',
    },
  },
} as const;

/** Defaulted fields stay optional: `resolveSpec` applies the defaults, so specs work either way. */
export type AppContainerSpec = FromSchema<
  typeof appContainerSpecSchema,
  { keepDefaultedPropertiesOptional: true }
>;
