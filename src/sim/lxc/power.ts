/**
 * POST /status/start|stop|shutdown|reboot|suspend|resume (API2/LXC/Status.pm): running-state
 * errors are synchronous, the config lock is checked inside the worker (the task fails with
 * `CT is locked (...)`), and so is the config flock.
 */
import { die, paramError, type RequestContext } from '../types.js';
import type { NodeState } from '../state.js';
import type { LxcState } from './state.js';
import { checkLock, loadCt, requestCt, takeConfigFlock } from './guests.js';
import { DURATION_MS, startCt, stopCt } from './lifecycle.js';

type Action = 'start' | 'stop' | 'shutdown' | 'reboot' | 'suspend' | 'resume';

const TASK_TYPE: Record<Action, keyof typeof DURATION_MS> = {
  start: 'vzstart',
  stop: 'vzstop',
  shutdown: 'vzshutdown',
  reboot: 'vzreboot',
  suspend: 'vzsuspend',
  resume: 'vzresume',
};

function syncChecks(action: Action, ctx: RequestContext, ct: LxcState): void {
  const vmid = ct.vmid;
  const running = ct.status === 'running';
  if ((action === 'start' || action === 'stop') && ctx.params.skiplock === 1) {
    if (ctx.caller.user !== 'root@pam' || ctx.caller.tokenId !== undefined)
      paramError({ skiplock: 'Only root may use this option.' });
  }
  switch (action) {
    case 'start':
    case 'resume':
      if (running) die(`CT ${vmid} already running`);
      break;
    case 'reboot':
      // sic: Status.pm says "VM" here.
      if (!running) die(`VM ${vmid} not running`);
      break;
    default:
      if (!running) die(`CT ${vmid} not running`);
  }
}

/** The worker body; runs when the task's time is up, against the container as it is then. */
function work(
  action: Action,
  ctx: RequestContext,
  node: NodeState,
  vmid: number,
  log: (line: string) => void,
): number {
  const { sim } = ctx;
  if (action !== 'resume') takeConfigFlock(sim, vmid);
  const ct = loadCt(node, vmid);
  const skiplock = ctx.params.skiplock === 1;
  if (action === 'start' && ct.config.template) die("you can't start a CT if it's a template");
  const lock = ct.config.lock;
  const mountedOk = (action === 'start' || action === 'stop') && lock === 'mounted';
  if (
    action !== 'reboot' &&
    action !== 'resume' &&
    !(skiplock && action !== 'shutdown') &&
    !mountedOk
  )
    checkLock(ct);
  let warnings = 0;
  switch (action) {
    case 'start':
      if (ct.status === 'running') die(`CT ${vmid} already running`);
      warnings = startCt(sim, node, ct, log);
      break;
    case 'stop':
    case 'shutdown':
      stopCt(ct);
      break;
    case 'suspend':
      log(`lxc-checkpoint -n ${vmid} -s -D /var/lib/vz/dump`);
      stopCt(ct);
      ct.suspended = true;
      break;
    case 'resume':
      if (!ct.suspended)
        die(
          `command 'lxc-checkpoint -n ${vmid} -r --foreground -D /var/lib/vz/dump' failed: exit code 1`,
        );
      warnings = startCt(sim, node, ct, log);
      break;
    case 'reboot':
      // vm_reboot: shut down and start again, which applies pending changes.
      stopCt(ct);
      warnings = startCt(sim, node, ct, log);
      break;
  }
  sim.touch();
  return warnings;
}

export function powerAction(action: Action): (ctx: RequestContext) => string {
  return (ctx) => {
    const { node, ct, vmid } = requestCt(ctx);
    syncChecks(action, ctx, ct);
    return ctx.sim.tasks.start({
      node: node.name,
      type: TASK_TYPE[action],
      id: String(vmid),
      caller: ctx.caller,
      durationMs: DURATION_MS[TASK_TYPE[action]],
      // Status.pm runs every one but vm_resume inside PVE::LXC::Config->lock_config.
      ...(action !== 'resume' ? { configFlock: vmid } : {}),
      run(log) {
        const warnings = work(action, ctx, node, vmid, log);
        return warnings > 0 ? { warnings } : undefined;
      },
    });
  };
}
