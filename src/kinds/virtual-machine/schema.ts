/**
 * The VirtualMachine spec schema: the single source of truth for the VirtualMachine manifest (a QEMU
 * guest). The TypeScript type is derived from it and `schemas/virtualmachine.schema.json` is exported
 * from it (`npm run schemas`). Bounds follow `POST /nodes/{node}/qemu` of the Proxmox VE 9.1 API;
 * rules JSON Schema cannot say well (one source, one of bridge/appliance, balloon <= memory...) are in
 * `validate.ts`.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { IPV4_PATTERN, MAX_MEMORY_MIB, PVE_NODE_PATTERN } from '../../source/checks.js';
import { MAX_NICS, nicPolicySchema, nicProperties } from '../guest-nics/schema.js';
import { exposeSchema } from '../app-container/schema.js';

/** pxr's defaults: the schema's `default`s and `resolveVm` both read them. */
export const VM_DEFAULTS = {
  cores: 1,
  sockets: 1,
  cpuType: 'x86-64-v2-AES',
  memory: 2048,
  bios: 'seabios',
  bus: 'scsi',
  storage: 'local-lvm',
  diskGb: 8,
  model: 'virtio',
  imageStorage: 'local',
  fullClone: true,
  upgrade: false,
  agent: true,
  serial: false,
  onboot: false,
  protection: false,
  state: 'running',
  restartPolicy: 'never',
  replacePolicy: 'never',
  shutdownTimeoutSeconds: 120,
} as const;
const D = VM_DEFAULTS;

const storageId = {
  type: 'string',
  pattern: '^[a-z][a-z0-9\\-_.]*[a-z0-9]$',
  description: 'A Proxmox storage id, e.g. `local-lvm`.',
} as const;

export const virtualMachineSpecSchema = {
  type: 'object',
  description: 'A QEMU virtual machine on one Proxmox VE node, kept converged by pxr.',
  required: ['node', 'source', 'networks'],
  additionalProperties: false,
  properties: {
    node: {
      type: 'string',
      pattern: PVE_NODE_PATTERN,
      description:
        'The Proxmox VE node the VM is created on. A VM later found on another node (migrated) is reported (`NodeMismatch`) and managed where it is, never re-created.',
    },
    vmid: {
      type: 'integer',
      minimum: 100,
      maximum: 999999999,
      description:
        'The VMID (create-only). Unset: pxr allocates one (`/cluster/nextid`) and records it in status.',
    },
    name: {
      type: 'string',
      pattern:
        '^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$',
      maxLength: 63,
      description:
        "The VM's name in Proxmox (and its cloud-init host name). Default: metadata.name.",
    },
    source: {
      type: 'object',
      additionalProperties: false,
      description:
        'Where the first disk comes from (create-only): a cloud `image`, or a `clone` of a template.',
      properties: {
        image: {
          type: 'string',
          minLength: 1,
          description:
            'A disk image: a volume id (`local:import/debian-12.qcow2`) imported into the first disk, or an `https://` URL downloaded once to `imageStorage` (needs `checksum`).',
        },
        checksum: {
          type: 'string',
          pattern: '^(md5|sha1|sha224|sha256|sha384|sha512):[0-9a-fA-F]+$',
          description: 'Checksum of a downloaded image, `<algorithm>:<hex>`, e.g. `sha512:ab12…`.',
        },
        imageStorage: {
          ...storageId,
          default: D.imageStorage,
          description: 'The storage (with content `import`) a downloaded image is kept on.',
        },
        clone: {
          type: 'object',
          additionalProperties: false,
          required: ['template'],
          description: 'Clone a VM template on the same node (then configure it from this spec).',
          properties: {
            template: {
              oneOf: [
                { type: 'integer', minimum: 100, maximum: 999999999 },
                { type: 'string', minLength: 1, maxLength: 63 },
              ],
              description: 'The template to clone: its VMID or its name (on the same node).',
            },
            full: {
              type: 'boolean',
              default: D.fullClone,
              description: 'A full copy (true) or a linked clone sharing the base disks (false).',
            },
          },
        },
      },
    },
    cpu: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Virtual CPUs: cores per socket, sockets, and the CPU type.',
      properties: {
        cores: {
          type: 'integer',
          minimum: 1,
          maximum: 1024,
          default: D.cores,
          description: 'Cores per socket.',
        },
        sockets: {
          type: 'integer',
          minimum: 1,
          maximum: 4,
          default: D.sockets,
          description: 'CPU sockets.',
        },
        type: {
          type: 'string',
          pattern: '^[A-Za-z0-9_.+-]+$',
          default: D.cpuType,
          description: 'The emulated CPU type, e.g. `host`, `x86-64-v2-AES`.',
        },
      },
    },
    memory: {
      type: 'integer',
      minimum: 16,
      maximum: MAX_MEMORY_MIB,
      default: D.memory,
      description: 'Memory in MiB.',
    },
    balloon: {
      type: 'integer',
      minimum: 0,
      maximum: MAX_MEMORY_MIB,
      description: 'Minimum memory of the balloon device in MiB (0 disables the balloon).',
    },
    machine: {
      type: 'string',
      pattern: '^(pc|q35|pc-(i440fx|q35)-\\d+\\.\\d+(\\+pve\\d+)?)$',
      description: 'The machine type, e.g. `q35` (unset: the Proxmox default, i440fx).',
    },
    bios: {
      type: 'string',
      enum: ['seabios', 'ovmf'],
      default: D.bios,
      description: '`ovmf` (UEFI) also gets an EFI vars disk on `efiStorage`.',
    },
    efiStorage: {
      ...storageId,
      description: 'Storage of the EFI disk (default: the first disk’s).',
    },
    disks: {
      type: 'array',
      minItems: 1,
      description:
        'Disks in order; the first is the boot disk (the image is imported into it). Keys are `<bus><n>` counted per bus. Default: one 8 GiB disk for an image; for a clone, the template’s disks (only listed disks are managed, none is ever deleted).',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['size'],
        properties: {
          bus: {
            type: 'string',
            enum: ['scsi', 'virtio', 'sata'],
            default: D.bus,
            description: 'The disk bus (create-only position: the key is `<bus><n>`).',
          },
          storage: { ...storageId, default: D.storage },
          size: {
            type: 'integer',
            minimum: 1,
            maximum: 131072,
            description: 'Size in GiB. It can only grow (Proxmox cannot shrink a disk).',
          },
          cache: {
            type: 'string',
            enum: ['none', 'writethrough', 'writeback', 'unsafe', 'directsync'],
            description: 'The cache mode (unset: the Proxmox default, no cache).',
          },
          discard: { type: 'boolean', description: 'Pass discard/TRIM to the storage.' },
          ssd: { type: 'boolean', description: 'Present the disk as an SSD (not on virtio).' },
        },
      },
    },
    nicPolicy: nicPolicySchema,
    networks: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_NICS,
      description:
        'NICs in order: item i is `net<i>` (and `ipconfig<i>` with cloud-init); a NIC added by hand is reported, or removed under `nicPolicy: authoritative`.',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          ...nicProperties,
          mtu: {
            type: 'integer',
            minimum: 1,
            maximum: 65520,
            description: 'MTU of the NIC: 576–65520, or 1 for the bridge’s MTU (QEMU’s bounds).',
          },
          model: {
            type: 'string',
            enum: ['virtio', 'e1000', 'e1000e', 'rtl8139', 'vmxnet3'],
            default: D.model,
            description: 'The emulated NIC model. Its MAC is kept stable once generated.',
          },
        },
      },
    },
    cloudInit: {
      type: 'object',
      additionalProperties: false,
      description:
        'Cloud-init settings (a cloud-init drive is added). `ipconfig<n>` comes from each NIC’s `ip`/`gateway`.',
      properties: {
        user: {
          type: 'string',
          pattern: '^[a-z_][a-z0-9_-]*$',
          maxLength: 32,
          description: 'The user cloud-init creates (unset: the image default).',
        },
        passwordFile: {
          type: 'string',
          minLength: 1,
          description:
            "A file holding the user's password (mode 0600). Sent at create and when this path changes; never logged.",
        },
        sshKeys: {
          type: 'array',
          items: { type: 'string', minLength: 1 },
          default: [],
          description: 'SSH public keys of the user (pxr URL-encodes them as Proxmox requires).',
        },
        nameservers: {
          type: 'array',
          items: { type: 'string', pattern: IPV4_PATTERN },
          description: 'DNS servers (unset: the host’s).',
        },
        searchdomain: { type: 'string', maxLength: 253, description: 'DNS search domain.' },
        upgrade: {
          type: 'boolean',
          default: D.upgrade,
          description: 'Upgrade packages on first boot.',
        },
        storage: {
          ...storageId,
          description: 'Storage of the cloud-init drive (default: the first disk’s).',
        },
      },
    },
    agent: { type: 'boolean', default: D.agent, description: 'Enable the QEMU guest agent.' },
    serial: {
      type: 'boolean',
      default: D.serial,
      description: 'A serial console (`serial0: socket`, `vga: serial0`), as cloud images expect.',
    },
    onboot: {
      type: 'boolean',
      default: D.onboot,
      description: 'Start the VM when the node boots.',
    },
    startup: {
      type: 'object',
      additionalProperties: false,
      description: 'Boot order and delays when the node starts guests.',
      properties: {
        order: { type: 'integer', minimum: 0, description: 'Start order (lower first).' },
        up: { type: 'integer', minimum: 0, description: 'Seconds to wait after starting it.' },
        down: { type: 'integer', minimum: 0, description: 'Seconds to wait for its shutdown.' },
      },
    },
    tags: {
      type: 'array',
      items: { type: 'string', pattern: '^[a-zA-Z0-9_][a-zA-Z0-9_+.-]*$' },
      default: [],
      description: 'Proxmox tags (pxr adds `pxr`).',
    },
    description: { type: 'string', description: 'Notes (pxr appends its ownership marker line).' },
    protection: {
      type: 'boolean',
      default: D.protection,
      description: 'Proxmox protection: the VM cannot be destroyed (pxr refuses deletion too).',
    },
    state: {
      type: 'string',
      enum: ['running', 'stopped'],
      default: D.state,
      description: 'The power state; a VM stopped or started by hand is drift.',
    },
    restartPolicy: {
      type: 'string',
      enum: ['never', 'onChange'],
      default: D.restartPolicy,
      description:
        '`onChange` reboots a running VM whose changes Proxmox kept pending; `never` only reports `PendingRestart`.',
    },
    replacePolicy: {
      type: 'string',
      enum: ['never', 'recreate'],
      default: D.replacePolicy,
      description:
        '`recreate` destroys and re-creates the VM when a create-only field changes (vmid, source, disk storage); `never` only reports `RequiresReplace`.',
    },
    shutdownTimeoutSeconds: {
      type: 'integer',
      minimum: 0,
      maximum: 3600,
      default: D.shutdownTimeoutSeconds,
      description: 'How long a clean shutdown may take before the VM is stopped.',
    },
    expose: {
      ...exposeSchema,
      description:
        "Reverse-proxy routes on the appliance (with a NIC on its LAN only): requests for `host` (and under `pathPrefix`) go to this VM's `port`.",
    },
  },
} as const;

/** Defaulted fields stay optional: `resolveVm` applies the defaults, so specs work either way. */
export type VirtualMachineSpec = FromSchema<
  typeof virtualMachineSpecSchema,
  { keepDefaultedPropertiesOptional: true }
>;
