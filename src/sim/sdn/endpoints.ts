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

const PVE9_ONLY_PATHS = new Set(['/cluster/sdn/lock', '/cluster/sdn/rollback']);
const PVE9_ONLY_PARAMS = new Set(['lock-token', 'release-lock']);

/**
 * The table as PVE 8 has it: no global SDN lock, no rollback, and no `lock-token` parameter (a
 * request that sends one is refused like any unknown parameter).
 */
export function withoutSdnLock(table: readonly EndpointDef[]): EndpointDef[] {
  return table
    .filter((e) => !PVE9_ONLY_PATHS.has(e.path))
    .map((e) =>
      e.path.startsWith('/cluster/sdn')
        ? {
            ...e,
            params: Object.fromEntries(
              Object.entries(e.params).filter(([k]) => !PVE9_ONLY_PARAMS.has(k)),
            ),
          }
        : e,
    );
}
