/** `GET /cluster/nextid[?vmid]`: answers a STRING, as Perl stringifies the hash key (FACTS §3). */
import type { EndpointDef, RequestContext } from '../types.js';
import { die, paramError } from '../types.js';
import type { SimState } from '../state.js';
import { optionalVmidParam } from './params.js';

export function usedVmids(state: SimState): Set<number> {
  const ids = new Set<number>();
  for (const n of Object.values(state.nodes)) {
    for (const id of Object.keys(n.lxc)) ids.add(+id);
    for (const id of Object.keys(n.qemu ?? {})) ids.add(+id);
  }
  return ids;
}

export function nextFreeVmid(state: SimState): number {
  const used = usedVmids(state);
  const { lower, upper } = state.nextId;
  for (let id = lower; id < upper; id++) if (!used.has(id)) return id;
  return die(`unable to get any free VMID in range [${lower}, ${upper}]`);
}

export const nextIdEndpoints: EndpointDef[] = [
  {
    method: 'GET',
    path: '/cluster/nextid',
    params: { vmid: optionalVmidParam },
    returns: 'integer',
    handler: ({ sim, params }: RequestContext): unknown => {
      const vmid = params.vmid as number | undefined;
      if (vmid !== undefined) {
        if (usedVmids(sim.state).has(vmid)) paramError({ vmid: `VM ${vmid} already exists` });
        return String(vmid);
      }
      return String(nextFreeVmid(sim.state));
    },
  },
];
