/**
 * Starting and stopping a container inside a worker: `vm_start` applies every pending change
 * first, a stop forgets the runtime (pid, leases). Task durations are the realistic ones from the
 * brief; the core scales them.
 */
import type { NodeState } from '../state.js';
import type { SimContext } from '../types.js';
import type { GuestState, LxcState } from './state.js';
import { applyPending } from './config-update.js';
import { refreshLeases } from './runtime.js';
import { volumeOps } from './guests.js';
import { isBridgeUp } from '../network/node-network.js';
import { NET_FORMAT } from './ct-formats.js';
import { parsePropertyString } from './property-string.js';
import { die } from '../types.js';

/** The first bridge a NIC of the container needs that is not up on the node, if any. */
export function missingBridge(node: NodeState, ct: LxcState): string | undefined {
  for (const [key, value] of Object.entries(ct.config)) {
    if (!/^net\d+$/.test(key)) continue;
    const bridge = parsePropertyString(NET_FORMAT, String(value)).bridge;
    if (bridge !== undefined && !isBridgeUp(node.network, String(bridge))) return String(bridge);
  }
  return undefined;
}

export const DURATION_MS = {
  vzcreate: 8000,
  vzstart: 1500,
  vzstop: 1000,
  vzshutdown: 3000,
  vzreboot: 4500,
  vzsuspend: 2000,
  vzresume: 1500,
  vzdestroy: 2000,
  resize: 1500,
} as const;

/**
 * `PVE::LXC::vm_start`: pending changes are applied (failures only warn, as in Perl) and the
 * container runs with a new pid and fresh DHCP leases. Returns the number of warnings.
 */
export function startCt(
  sim: SimContext,
  node: NodeState,
  ct: LxcState,
  log: (line: string) => void,
): number {
  let warnings = 0;
  if (Object.keys(ct.pending).length > 0 || ct.pendingDelete.length > 0) {
    const errors: Record<string, string> = {};
    applyPending(ct, undefined, volumeOps(sim, node, ct.vmid), errors);
    for (const msg of Object.values(errors)) {
      log(msg);
      warnings++;
    }
  }
  // lxc-start runs the network hook, which cannot plug a veth into a bridge that is not there.
  const bridge = missingBridge(node, ct);
  if (bridge !== undefined) {
    log(
      `lxc-start: ${ct.vmid}: ../src/lxc/network.c: netdev_configure_server_veth: bridge '${bridge}' does not exist`,
    );
    log(
      `lxc-start: ${ct.vmid}: ../src/lxc/start.c: __lxc_start: Failed to spawn container "${ct.vmid}"`,
    );
    die(`startup for container '${ct.vmid}' failed`);
  }
  ct.status = 'running';
  ct.startedAt = sim.clock.now();
  ct.pid = sim.state.nextPid++;
  delete ct.suspended;
  ct.leases = {};
  refreshLeases(node, ct);
  return warnings;
}

/**
 * The container is down: no pid, no uptime, its leases are released; inside, its processes, tmpfs
 * (`/run`, `/proc`) and network namespace are gone, its files stay.
 */
export function stopCt(ct: LxcState): void {
  ct.status = 'stopped';
  delete ct.startedAt;
  delete ct.pid;
  delete ct.leases;
  if (ct.guest) forgetRuntime(ct.guest);
}

function forgetRuntime(g: GuestState): void {
  g.procs = {};
  g.sysctl = { 'net.ipv4.ip_forward': '0' }; // a new network namespace starts not forwarding
  delete g.nft;
  g.caddy.config = null;
  for (const path of Object.keys(g.files))
    if (path.startsWith('/run/') || path.startsWith('/proc/')) delete g.files[path];
}
