/** Parameter definitions shared by the cluster endpoints (as the official schema spells them). */
import type { ParamDef } from '../types.js';

export const nodeParam: ParamDef = { type: 'string', format: 'pve-node' };
export const optionalVmidParam: ParamDef = {
  type: 'integer',
  format: 'pve-vmid',
  minimum: 100,
  maximum: 999_999_999,
  optional: true,
};
export const storageParam: ParamDef = { type: 'string', format: 'pve-storage-id' };
