/** The one table of endpoint definitions: routing, validation and the conformance test all read it. */
import type { EndpointDef } from './types.js';
import { clusterEndpoints } from './cluster/endpoints.js';
import { networkEndpoints } from './network/endpoints.js';
import { lxcEndpoints } from './lxc/endpoints.js';
import { snapshotEndpoints } from './lxc/snapshot-endpoints.js';
import { firewallEndpoints } from './firewall/endpoints.js';
import { certEndpoints } from './certs/endpoints.js';
import { qemuEndpoints } from './qemu/endpoints.js';
import { sdnEndpoints } from './sdn/endpoints.js';

export const endpoints: readonly EndpointDef[] = [
  ...clusterEndpoints,
  ...networkEndpoints,
  ...lxcEndpoints,
  ...snapshotEndpoints,
  ...firewallEndpoints,
  ...certEndpoints,
  ...qemuEndpoints,
  ...sdnEndpoints,
];
