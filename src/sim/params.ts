/** Parameter definitions every endpoint group shares, spelled as the official schema spells them. */
import type { ParamDef } from './types.js';

export const nodeParam: ParamDef = { type: 'string', format: 'pve-node' };

export const vmidParam: ParamDef = {
  type: 'integer',
  format: 'pve-vmid',
  minimum: 100,
  maximum: 999_999_999,
};

export const optionalVmidParam: ParamDef = { ...vmidParam, optional: true };

export const storageParam: ParamDef = { type: 'string', format: 'pve-storage-id' };
