/**
 * The QEMU endpoint group: parameters, permission and return type exactly as the official 9.1.3
 * schema declares them (schema.ts), and the handlers.
 */
import type { EndpointDef, RequestContext } from '../types.js';
import { api } from './schema.js';
import { createVm } from './create.js';
import {
  getVmConfig,
  getVmPending,
  listVms,
  postVmConfig,
  putVmConfig,
  vmIndex,
} from './config-handlers.js';
import { vmPower, vmStatusCurrent, vmStatusIndex } from './power.js';
import { dumpCloudinit, getCloudinit, putCloudinit } from './cloudinit.js';
import { agentNetworkInterfaces, cloneVm, destroyVm, resizeVm, templateVm } from './lifecycle.js';

const Q = '/nodes/{node}/qemu';
const VM = `${Q}/{vmid}`;

function ep(
  method: EndpointDef['method'],
  path: string,
  handler: (ctx: RequestContext) => unknown,
): EndpointDef {
  const e = api(`${method} ${path}`);
  const def: EndpointDef = { method, path, params: e.params, returns: e.returns, handler };
  if (Object.keys(e.indexed).length > 0) def.indexed = e.indexed;
  if (e.permission) def.permission = e.permission;
  return def;
}

export const qemuEndpoints: EndpointDef[] = [
  ep('GET', Q, listVms),
  ep('POST', Q, createVm),
  ep('GET', VM, vmIndex),
  ep('DELETE', VM, destroyVm),
  ep('GET', `${VM}/config`, getVmConfig),
  ep('PUT', `${VM}/config`, putVmConfig),
  ep('POST', `${VM}/config`, postVmConfig),
  ep('GET', `${VM}/pending`, getVmPending),
  ep('GET', `${VM}/cloudinit`, getCloudinit),
  ep('PUT', `${VM}/cloudinit`, putCloudinit),
  ep('GET', `${VM}/cloudinit/dump`, dumpCloudinit),
  ep('GET', `${VM}/status`, vmStatusIndex),
  ep('GET', `${VM}/status/current`, vmStatusCurrent),
  ep('POST', `${VM}/status/start`, vmPower('start')),
  ep('POST', `${VM}/status/stop`, vmPower('stop')),
  ep('POST', `${VM}/status/shutdown`, vmPower('shutdown')),
  ep('POST', `${VM}/status/reboot`, vmPower('reboot')),
  ep('PUT', `${VM}/resize`, resizeVm),
  ep('POST', `${VM}/clone`, cloneVm),
  ep('POST', `${VM}/template`, templateVm),
  ep('GET', `${VM}/agent/network-get-interfaces`, agentNetworkInterfaces),
];
