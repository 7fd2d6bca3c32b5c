/**
 * Directory indexes: `GET /` (pve-manager `PVE/API2.pm` index: `version` and then every
 * subclass mount) and `GET /nodes/{node}` (`PVE/API2/Nodes.pm` index, a fixed list).
 */
import type { EndpointDef, RequestContext } from '../types.js';
import { nodeParam } from './params.js';

/** `PVE::API2->method_attributes()` order of the subclasses, after the leading `version`. */
const ROOT_SUBDIRS = ['version', 'cluster', 'nodes', 'storage', 'access', 'pools'];

/** The `$result` list of the Nodes.pm index, in its order (9.1). */
const NODE_SUBDIRS = [
  'aplinfo',
  'apt',
  'capabilities',
  'ceph',
  'certificates',
  'config',
  'disks',
  'dns',
  'firewall',
  'hardware',
  'hosts',
  'journal',
  'lxc',
  'migrateall',
  'netstat',
  'network',
  'qemu',
  'query-oci-repo-tags',
  'query-url-metadata',
  'replication',
  'report',
  'rrd',
  'rrddata',
  'scan',
  'sdn',
  'services',
  'spiceshell',
  'startall',
  'status',
  'stopall',
  'storage',
  'subscription',
  'suspendall',
  'syslog',
  'tasks',
  'termproxy',
  'time',
  'version',
  'vncshell',
  'vzdump',
  'wakeonlan',
];

export const indexEndpoints: EndpointDef[] = [
  {
    method: 'GET',
    path: '/',
    params: {},
    returns: 'array',
    handler: (): unknown => ROOT_SUBDIRS.map((subdir) => ({ subdir })),
  },
  {
    method: 'GET',
    path: '/nodes/{node}',
    params: { node: nodeParam },
    returns: 'array',
    handler: ({ sim, params }: RequestContext): unknown => {
      sim.node(params.node as string);
      return NODE_SUBDIRS.map((name) => ({ name }));
    },
  },
];
