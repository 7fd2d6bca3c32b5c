/**
 * The `resources` block every LXC-backed kind's schema shares (AppContainer, Appliance): CPU,
 * memory, swap and the root disk, bounded as `POST /nodes/{node}/lxc` bounds them. Each kind gives
 * its own defaults and says what a change of the root disk's storage means for it.
 */
import { MAX_MEMORY_MIB } from '../../source/checks.js';

export const storageId = {
  type: 'string',
  pattern: '^[a-z][a-z0-9\\-_.]*[a-z0-9]$',
  description: 'A Proxmox storage id that holds container volumes (`rootdir`), e.g. `local-lvm`.',
} as const;

export const sizeGb = {
  type: 'integer',
  minimum: 1,
  maximum: 131072,
  description: 'Size in GiB. It can only grow: a smaller size is refused (Proxmox cannot shrink).',
} as const;

export interface LxcResourceDefaults {
  cores: number;
  memory: number;
  swap: number;
  diskGb: number;
  storage: string;
}

/** `resources` with this kind's defaults, description and meaning of a storage change. */
export const lxcResourcesSchema = (
  d: LxcResourceDefaults,
  description: string,
  storageDescription: string,
) =>
  ({
    type: 'object',
    description,
    additionalProperties: false,
    default: {},
    properties: {
      cores: {
        type: 'integer',
        minimum: 1,
        maximum: 8192,
        default: d.cores,
        description: 'CPU cores.',
      },
      memory: {
        type: 'integer',
        minimum: 16,
        maximum: MAX_MEMORY_MIB,
        default: d.memory,
        description: 'Memory in MiB.',
      },
      swap: {
        type: 'integer',
        minimum: 0,
        maximum: MAX_MEMORY_MIB,
        default: d.swap,
        description: 'Swap in MiB.',
      },
      disk: {
        type: 'object',
        description: 'Root file system.',
        additionalProperties: false,
        default: {},
        properties: {
          size: { ...sizeGb, default: d.diskGb },
          storage: { ...storageId, default: d.storage, description: storageDescription },
        },
      },
    },
  }) as const;
