/**
 * A simulated appliance's home in the built-in simulator: the inside of its container (files,
 * processes, nftables, Caddy), kept in the cluster state, so it is saved with the state file and a
 * restarted `pxr run --sim`, or a `pxr diff --sim` beside it, finds what the appliance last held.
 * Like ssh into a real appliance, it reaches only a container that exists and runs.
 */
import { PxrError } from '../../core/errors.js';
import type { Simulator } from '../../sim/index.js';
import type { GuestHome } from './simulated.js';

export function simulatorHome(
  sim: Pick<Simulator, 'state' | 'context'>,
  node: string,
  vmid: number,
): GuestHome {
  return {
    guest(init) {
      const ct = sim.state.nodes[node]?.lxc[String(vmid)];
      if (ct?.status !== 'running')
        throw new PxrError(
          'TRANSPORT_UNREACHABLE',
          `cannot reach the simulated container ${vmid}: container ${vmid} on node ${node} ${ct ? 'is not running' : 'does not exist'}`,
          { context: { node, vmid } },
        );
      if (!ct.guest) {
        ct.guest = init();
        sim.context.touch();
      }
      return ct.guest;
    },
    changed: () => sim.context.touch(),
  };
}
