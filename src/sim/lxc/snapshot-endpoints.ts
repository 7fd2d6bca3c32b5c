/** Snapshot, template, clone and feature endpoints of a container, declared as the 9.1.3 schema does. */
import type { EndpointDef, ParamDef } from '../types.js';
import { NODE, VMID } from './params.js';
import {
  createSnapshot,
  deleteSnapshot,
  getSnapshotConfig,
  listSnapshots,
  putSnapshotConfig,
  rollbackSnapshot,
  snapshotCmdIndex,
} from './snapshots.js';
import { ctFeature, templateCt } from './template-feature.js';
import { cloneCt } from './clone.js';

const CT = '/nodes/{node}/lxc/{vmid}';
const SNAPNAME: ParamDef = { type: 'string', format: 'pve-configid', maxLength: 40 };
const SNAP = { path: '/vms/{vmid}', privs: ['VM.Snapshot'] } as const;
const base = { node: NODE, vmid: VMID };
const withSnap = { ...base, snapname: SNAPNAME };

export const snapshotEndpoints: EndpointDef[] = [
  {
    method: 'GET',
    path: `${CT}/snapshot`,
    params: base,
    permission: { path: '/vms/{vmid}', privs: ['VM.Audit'] },
    returns: 'array',
    handler: listSnapshots,
  },
  {
    method: 'POST',
    path: `${CT}/snapshot`,
    params: { ...withSnap, description: { type: 'string', optional: true } },
    permission: SNAP,
    returns: 'string',
    handler: createSnapshot,
  },
  {
    method: 'GET',
    path: `${CT}/snapshot/{snapname}`,
    params: withSnap,
    returns: 'array',
    handler: snapshotCmdIndex,
  },
  {
    method: 'DELETE',
    path: `${CT}/snapshot/{snapname}`,
    params: { ...withSnap, force: { type: 'boolean', optional: true } },
    permission: SNAP,
    returns: 'string',
    handler: deleteSnapshot,
  },
  {
    method: 'POST',
    path: `${CT}/snapshot/{snapname}/rollback`,
    params: { ...withSnap, start: { type: 'boolean', optional: true, default: 0 } },
    permission: { path: '/vms/{vmid}', privs: ['VM.Snapshot', 'VM.Snapshot.Rollback'] },
    returns: 'string',
    handler: rollbackSnapshot,
  },
  {
    method: 'GET',
    path: `${CT}/snapshot/{snapname}/config`,
    params: withSnap,
    permission: {
      path: '/vms/{vmid}',
      privs: ['VM.Snapshot', 'VM.Snapshot.Rollback', 'VM.Audit'],
    },
    returns: 'object',
    handler: getSnapshotConfig,
  },
  {
    method: 'PUT',
    path: `${CT}/snapshot/{snapname}/config`,
    params: { ...withSnap, description: { type: 'string', optional: true } },
    permission: SNAP,
    returns: 'null',
    handler: putSnapshotConfig,
  },
  {
    method: 'POST',
    path: `${CT}/template`,
    params: base,
    permission: { path: '/vms/{vmid}', privs: ['VM.Allocate'] },
    returns: 'null',
    handler: templateCt,
  },
  {
    method: 'POST',
    path: `${CT}/clone`,
    params: {
      bwlimit: {
        type: 'number',
        optional: true,
        minimum: 0,
        default: 'clone limit from datacenter or storage config',
      },
      description: { type: 'string', optional: true },
      full: { type: 'boolean', optional: true },
      hostname: { type: 'string', optional: true, format: 'dns-name' },
      newid: VMID,
      ...base,
      pool: { type: 'string', optional: true, format: 'pve-poolid' },
      snapname: { ...SNAPNAME, optional: true },
      storage: { type: 'string', optional: true, format: 'pve-storage-id' },
      target: { type: 'string', optional: true, format: 'pve-node' },
    },
    permission: { path: '/vms/{vmid}', privs: ['VM.Clone'] },
    returns: 'string',
    handler: cloneCt,
  },
  {
    method: 'GET',
    path: `${CT}/feature`,
    params: {
      feature: { type: 'string', enum: ['snapshot', 'clone', 'copy'] },
      ...base,
      snapname: { ...SNAPNAME, optional: true },
    },
    permission: { path: '/vms/{vmid}', privs: ['VM.Audit'] },
    returns: 'object',
    handler: ctFeature,
  },
];
