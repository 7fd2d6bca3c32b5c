/**
 * The LXC endpoint group (FACTS §5): parameters exactly as the official 9.1.3 schema declares
 * them, the permission each one checks, and the handlers.
 */
import type { EndpointDef, ParamDef } from '../types.js';
import './ct-formats.js';
import './ct-value-formats.js';
import { createCt } from './create.js';
import {
  ctIndex,
  statusIndex,
  getConfig,
  getInterfaces,
  getPending,
  listCts,
  putConfig,
  statusCurrent,
} from './config-handlers.js';
import { destroyCt, resizeCt } from './destroy-resize.js';
import { powerAction } from './power.js';
import { CONFIG_INDEXED, CONFIG_KEYS, CREATE_ONLY, NODE, UPDATE_ONLY, VMID } from './params.js';

const CT = '/nodes/{node}/lxc/{vmid}';
const BOOL_OPT: ParamDef = { type: 'boolean', optional: true };
const nodeVmid = { node: NODE, vmid: VMID };
const AUDIT = { path: '/vms/{vmid}', privs: ['VM.Audit'] } as const;
const POWER = { path: '/vms/{vmid}', privs: ['VM.PowerMgmt'] } as const;
const CONFIG_PRIVS = {
  path: '/vms/{vmid}',
  privs: [
    'VM.Config.Disk',
    'VM.Config.CPU',
    'VM.Config.Memory',
    'VM.Config.Network',
    'VM.Config.Options',
  ],
} as const;

export const lxcEndpoints: EndpointDef[] = [
  {
    method: 'GET',
    path: '/nodes/{node}/lxc',
    params: { node: NODE },
    // "Only list CTs where you have VM.Audit permission": no privilege needed for the call.
    returns: 'array',
    handler: listCts,
  },
  {
    method: 'POST',
    path: '/nodes/{node}/lxc',
    params: { ...CONFIG_KEYS, ...CREATE_ONLY, ...nodeVmid },
    indexed: CONFIG_INDEXED,
    permission: { path: '/vms/{vmid}', privs: ['VM.Allocate'] },
    returns: 'string',
    handler: createCt,
  },
  {
    method: 'GET',
    path: CT,
    params: nodeVmid,
    returns: 'array',
    handler: ctIndex,
  },
  {
    method: 'DELETE',
    path: CT,
    params: {
      'destroy-unreferenced-disks': BOOL_OPT,
      force: { type: 'boolean', optional: true, default: 0 },
      node: NODE,
      purge: { type: 'boolean', optional: true, default: 0 },
      vmid: VMID,
    },
    permission: { path: '/vms/{vmid}', privs: ['VM.Allocate'] },
    returns: 'string',
    handler: destroyCt,
  },
  {
    method: 'GET',
    path: `${CT}/config`,
    params: {
      current: { type: 'boolean', optional: true, default: 0 },
      node: NODE,
      snapshot: { type: 'string', optional: true, format: 'pve-configid', maxLength: 40 },
      vmid: VMID,
    },
    permission: AUDIT,
    returns: 'object',
    handler: getConfig,
  },
  {
    method: 'PUT',
    path: `${CT}/config`,
    params: { ...CONFIG_KEYS, ...UPDATE_ONLY, ...nodeVmid },
    indexed: CONFIG_INDEXED,
    permission: CONFIG_PRIVS,
    returns: 'null',
    handler: putConfig,
  },
  {
    method: 'GET',
    path: `${CT}/pending`,
    params: nodeVmid,
    permission: AUDIT,
    returns: 'array',
    handler: getPending,
  },
  {
    method: 'GET',
    path: `${CT}/status`,
    params: nodeVmid,
    returns: 'array',
    handler: statusIndex,
  },
  {
    method: 'GET',
    path: `${CT}/status/current`,
    params: nodeVmid,
    permission: AUDIT,
    returns: 'object',
    handler: statusCurrent,
  },
  {
    method: 'POST',
    path: `${CT}/status/start`,
    params: {
      debug: { type: 'boolean', optional: true, default: 0 },
      node: NODE,
      skiplock: BOOL_OPT,
      vmid: VMID,
    },
    permission: POWER,
    returns: 'string',
    handler: powerAction('start'),
  },
  {
    method: 'POST',
    path: `${CT}/status/stop`,
    params: {
      node: NODE,
      'overrule-shutdown': { type: 'boolean', optional: true, default: 0 },
      skiplock: BOOL_OPT,
      vmid: VMID,
    },
    permission: POWER,
    returns: 'string',
    handler: powerAction('stop'),
  },
  {
    method: 'POST',
    path: `${CT}/status/shutdown`,
    params: {
      forceStop: { type: 'boolean', optional: true, default: 0 },
      node: NODE,
      timeout: { type: 'integer', optional: true, minimum: 0, default: 60 },
      vmid: VMID,
    },
    permission: POWER,
    returns: 'string',
    handler: powerAction('shutdown'),
  },
  {
    method: 'POST',
    path: `${CT}/status/reboot`,
    params: { node: NODE, timeout: { type: 'integer', optional: true, minimum: 0 }, vmid: VMID },
    permission: POWER,
    returns: 'string',
    handler: powerAction('reboot'),
  },
  {
    method: 'POST',
    path: `${CT}/status/suspend`,
    params: nodeVmid,
    permission: POWER,
    returns: 'string',
    handler: powerAction('suspend'),
  },
  {
    method: 'POST',
    path: `${CT}/status/resume`,
    params: nodeVmid,
    permission: POWER,
    returns: 'string',
    handler: powerAction('resume'),
  },
  {
    method: 'GET',
    path: `${CT}/interfaces`,
    params: nodeVmid,
    permission: AUDIT,
    returns: 'array',
    handler: getInterfaces,
  },
  {
    method: 'PUT',
    path: `${CT}/resize`,
    params: {
      digest: { type: 'string', optional: true, maxLength: 40 },
      disk: {
        type: 'string',
        enum: ['rootfs', ...Array.from({ length: 256 }, (_, i) => `mp${i}`)],
      },
      node: NODE,
      size: { type: 'string', pattern: '\\+?\\d+(\\.\\d+)?[KMGT]?' },
      vmid: VMID,
    },
    permission: { path: '/vms/{vmid}', privs: ['VM.Config.Disk'] },
    returns: 'string',
    handler: resizeCt,
  },
];
