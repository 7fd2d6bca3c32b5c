/** `GET /cluster/resources[?type=vm|storage|node|sdn]` (FACTS §10). */
import type { EndpointDef, RequestContext } from '../types.js';
import type { SimState } from '../state.js';
import { isNodeOnline, nodeSummary } from './info.js';
import { guestFigures } from './guests.js';
import { vmStatus, vmsOf } from '../qemu/guests.js';
import { zoneResources } from '../sdn/local-vnets.js';

export function clusterResources(state: SimState, nowMs: number, type?: string): unknown[] {
  const out: unknown[] = [];
  const nodes = Object.values(state.nodes);
  if (type === undefined || type === 'vm') {
    for (const n of nodes) {
      for (const ct of Object.values(n.lxc)) {
        const f = guestFigures(ct, nowMs);
        const c = ct.config;
        out.push({
          id: `lxc/${ct.vmid}`,
          type: 'lxc',
          vmid: ct.vmid,
          node: n.name,
          // pvestatd reports nothing for an unreachable node: the status goes unknown.
          status: isNodeOnline(n) ? ct.status : 'unknown',
          name: f.name,
          template: f.template,
          maxcpu: f.maxcpu,
          cpu: f.cpu,
          maxmem: f.maxmem,
          mem: f.mem,
          maxdisk: f.maxdisk,
          disk: f.disk,
          netin: 0,
          netout: 0,
          diskread: 0,
          diskwrite: 0,
          uptime: f.uptime,
          ...(c.tags !== undefined ? { tags: String(c.tags) } : {}),
          ...(c.lock !== undefined ? { lock: String(c.lock) } : {}),
        });
      }
      for (const vm of n.qemu ? Object.values(vmsOf(n)) : []) {
        const st = vmStatus(n, vm, nowMs);
        out.push({
          id: `qemu/${vm.vmid}`,
          type: 'qemu',
          vmid: vm.vmid,
          node: n.name,
          status: isNodeOnline(n) ? st.status : 'unknown',
          name: st.name,
          template: vm.config.template ? 1 : 0,
          maxcpu: st.cpus,
          cpu: st.cpu,
          maxmem: st.maxmem,
          mem: st.mem,
          maxdisk: st.maxdisk,
          disk: 0,
          netin: st.netin,
          netout: st.netout,
          diskread: st.diskread,
          diskwrite: st.diskwrite,
          uptime: st.uptime,
          ...(vm.config.tags !== undefined ? { tags: String(vm.config.tags) } : {}),
          ...(vm.config.lock !== undefined ? { lock: String(vm.config.lock) } : {}),
        });
      }
    }
  }
  if (type === undefined || type === 'node') {
    for (const n of nodes) {
      const s = nodeSummary(n, nowMs);
      out.push(isNodeOnline(n) ? { ...s, 'cgroup-mode': 2 } : s);
    }
  }
  if (type === undefined || type === 'storage') {
    for (const n of nodes) {
      for (const st of Object.values(n.storages)) {
        out.push({
          id: `storage/${n.name}/${st.id}`,
          type: 'storage',
          storage: st.id,
          node: n.name,
          plugintype: st.plugintype,
          status: isNodeOnline(n) ? 'available' : 'unknown',
          shared: st.shared,
          content: [...st.content].sort().join(','),
          disk: st.used,
          maxdisk: st.total,
        });
      }
    }
  }
  if (type === undefined || type === 'sdn') {
    for (const n of nodes) {
      out.push({
        id: `sdn/${n.name}/localnetwork`,
        type: 'sdn',
        sdn: 'localnetwork',
        node: n.name,
        status: 'ok',
      });
      out.push(...zoneResources(state.sdn, n.name, n.network.sdnVersion));
    }
  }
  return out;
}

export const resourceEndpoints: EndpointDef[] = [
  {
    method: 'GET',
    path: '/cluster/resources',
    params: {
      type: { type: 'string', enum: ['vm', 'storage', 'node', 'sdn'], optional: true },
    },
    returns: 'array',
    handler: ({ sim, params }: RequestContext): unknown =>
      clusterResources(sim.state, sim.clock.now(), params.type as string | undefined),
  },
];
