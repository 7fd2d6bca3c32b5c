/** `/version`, `/nodes`, `/nodes/{node}/status`, `/cluster/status`. */
import type { EndpointDef, RequestContext } from '../types.js';
import type { NodeState } from '../state.js';
import { nodeParam } from './params.js';
import { firstCertificate } from '../certs/pem.js';
import { certFingerprint } from '../tls.js';

export const PVE_VERSION = { release: '9.1', version: '9.1.3', repoid: '1f3d2b4e5a6c7d80' };

function uptime(node: NodeState, nowMs: number): number {
  return Math.max(0, Math.floor((nowMs - node.startedAt) / 1000));
}

function rootDisk(node: NodeState): { total: number; used: number } {
  const local = node.storages.local;
  return { total: local?.total ?? 0, used: local?.used ?? 0 };
}

/**
 * A cluster member that corosync sees: not powered off and not cut off (595). A node whose proxy
 * fails the TLS handshake (596) is still a member, and online.
 */
export function isNodeOnline(node: NodeState): boolean {
  return node.online && !(node.unreachable && node.proxyStatus !== 596);
}

/**
 * pve-manager PVE/API2Tools.pm `extract_node_stats`: live figures (uptime, cpu, mem, disk) only
 * for an online member; an offline one keeps `level` and the maxima of its last RRD entry and
 * shows `offline`.
 */
export function nodeSummary(node: NodeState, nowMs: number): Record<string, unknown> {
  const disk = rootDisk(node);
  const online = isNodeOnline(node);
  return {
    id: `node/${node.name}`,
    type: 'node',
    node: node.name,
    status: online ? 'online' : 'offline',
    level: '',
    ...(online
      ? {
          cpu: 0.01,
          mem: Math.round(node.maxmem * 0.2),
          disk: disk.used,
          uptime: uptime(node, nowMs),
        }
      : {}),
    maxcpu: node.maxcpu,
    maxmem: node.maxmem,
    maxdisk: disk.total,
  };
}

/**
 * pve-cluster PVE/Cluster.pm `get_node_fingerprint`: the SHA-256 fingerprint of
 * pveproxy-ssl.pem when a custom certificate is uploaded, else of pve-ssl.pem.
 */
export function nodeFingerprint(node: NodeState): string | undefined {
  const pem = firstCertificate(node.certs.custom?.cert ?? node.certs.ssl.cert);
  return pem === undefined ? undefined : certFingerprint(pem);
}

export const infoEndpoints: EndpointDef[] = [
  {
    method: 'GET',
    path: '/version',
    params: {},
    returns: 'object',
    handler: (): unknown => ({ ...PVE_VERSION }),
  },
  {
    method: 'GET',
    path: '/nodes',
    params: {},
    returns: 'array',
    handler: ({ sim }: RequestContext): unknown => {
      const now = sim.clock.now();
      // pve-manager PVE/API2/Nodes.pm (NodeIndex) index: extract_node_stats plus ssl_fingerprint.
      return Object.values(sim.state.nodes).map((n) => {
        const fp = nodeFingerprint(n);
        return { ...nodeSummary(n, now), ...(fp !== undefined ? { ssl_fingerprint: fp } : {}) };
      });
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/status',
    params: { node: nodeParam },
    permission: { path: '/nodes/{node}', privs: ['Sys.Audit'] },
    returns: 'object',
    handler: ({ sim, params }: RequestContext): unknown => {
      const node = sim.node(params.node as string);
      const disk = rootDisk(node);
      const used = Math.round(node.maxmem * 0.2);
      return {
        uptime: uptime(node, sim.clock.now()),
        cpu: 0.01,
        wait: 0,
        idle: 0,
        loadavg: ['0.05', '0.10', '0.08'],
        kversion: 'Linux 6.14.8-2-pve #1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2',
        pveversion: `pve-manager/${PVE_VERSION.version}/${PVE_VERSION.repoid}`,
        cpuinfo: {
          cpus: node.maxcpu,
          cores: node.maxcpu,
          sockets: 1,
          model: 'Simulated CPU',
          mhz: '2400.000',
          hvm: '1',
          flags: '',
          user_hz: 100,
        },
        memory: {
          total: node.maxmem,
          used,
          free: node.maxmem - used,
          available: node.maxmem - used,
        },
        swap: { total: 8 * 1024 ** 3, used: 0, free: 8 * 1024 ** 3 },
        rootfs: {
          total: disk.total,
          used: disk.used,
          free: disk.total - disk.used,
          avail: disk.total - disk.used,
        },
        ksm: { shared: 0 },
        'boot-info': { mode: 'efi', secureboot: 0 },
        'current-kernel': {
          sysname: 'Linux',
          release: '6.14.8-2-pve',
          version: '#1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2',
          machine: 'x86_64',
        },
      };
    },
  },
  {
    method: 'GET',
    path: '/cluster/status',
    params: {},
    permission: { path: '/', privs: ['Sys.Audit'] },
    returns: 'array',
    handler: ({ sim }: RequestContext): unknown => {
      const nodes = Object.values(sim.state.nodes);
      const single = nodes.length === 1;
      const out: Record<string, unknown>[] = [];
      if (!single) {
        out.push({
          id: 'cluster',
          type: 'cluster',
          name: sim.state.clusterName,
          nodes: nodes.length,
          quorate: 1,
          version: nodes.length,
        });
      }
      nodes.forEach((n, i) => {
        out.push({
          id: `node/${n.name}`,
          type: 'node',
          name: n.name,
          ip: n.ip,
          level: '',
          local: i === 0 ? 1 : 0,
          nodeid: single ? 0 : i + 1,
          online: isNodeOnline(n) ? 1 : 0,
        });
      });
      return out;
    },
  },
];
