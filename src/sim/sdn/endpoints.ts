/** Every simulated `/cluster/sdn` endpoint. */
import type { EndpointDef } from '../types.js';
import { applyEndpoints } from './apply-endpoints.js';
import { vnetEndpoints } from './vnet-endpoints.js';
import { zoneEndpoints } from './zone-endpoints.js';
import { subnetEndpoints } from './subnet-endpoints.js';

export const sdnEndpoints: EndpointDef[] = [
  ...applyEndpoints,
  ...zoneEndpoints,
  ...vnetEndpoints,
  ...subnetEndpoints,
];
