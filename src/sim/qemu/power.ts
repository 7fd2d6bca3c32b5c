/**
 * GET /status/current and POST /status/start|stop|shutdown|reboot (`qmstart`, `qmstop`,
 * `qmshutdown`, `qmreboot`): only reboot refuses a stopped VM synchronously; `already running`,
 * templates and the config lock fail the worker, which holds the VM's flock while it runs (config
 * writes wait for it).
 */
import { die, paramError, type RequestContext } from '../types.js';
import { checkVmLock, loadVm, requestVm, takeVmFlock, vmStatus } from './guests.js';
import { agentEnabled, DURATION_MS, startVm, stopVm } from './runtime.js';

type Action = 'start' | 'stop' | 'shutdown' | 'reboot';

const TASK: Record<Action, 'qmstart' | 'qmstop' | 'qmshutdown' | 'qmreboot'> = {
  start: 'qmstart',
  stop: 'qmstop',
  shutdown: 'qmshutdown',
  reboot: 'qmreboot',
};

export function vmStatusIndex(ctx: RequestContext): { subdir: string }[] {
  requestVm(ctx);
  return ['current', 'start', 'stop', 'reset', 'shutdown', 'reboot', 'suspend', 'resume'].map(
    (subdir) => ({ subdir }),
  );
}

export function vmStatusCurrent(ctx: RequestContext): Record<string, unknown> {
  const { node, vm } = requestVm(ctx);
  const st = vmStatus(node, vm, ctx.sim.clock.now());
  const running = st.status === 'running';
  const res: Record<string, unknown> = {
    ...st,
    qmpstatus: running ? 'running' : 'stopped',
    ha: { managed: 0 },
  };
  if (agentEnabled(vm.config)) res.agent = 1;
  if (running) {
    res['running-machine'] = 'pc-i440fx-9.2+pve1';
    res['running-qemu'] = '9.2.0';
    res.balloon = st.maxmem;
  }
  return res;
}

export function vmPower(action: Action): (ctx: RequestContext) => string {
  return (ctx) => {
    const { sim, params } = ctx;
    const { node, vm, vmid } = requestVm(ctx);
    const skiplock = params.skiplock === 1;
    if (skiplock && (ctx.caller.user !== 'root@pam' || ctx.caller.tokenId !== undefined))
      paramError({ skiplock: 'Only root may use this option.' });
    // Only reboot checks synchronously (API2/Qemu.pm); vm_start dies `already running` in the
    // worker, and vm_stop of a stopped VM just returns.
    if (action === 'reboot' && vm.status !== 'running') die(`VM ${vmid} not running`);
    return sim.tasks.start({
      node: node.name,
      type: TASK[action],
      id: String(vmid),
      caller: ctx.caller,
      durationMs: DURATION_MS[TASK[action]],
      configFlock: vmid,
      run(log) {
        takeVmFlock(sim, vmid);
        const cur = loadVm(node, vmid);
        if (!(skiplock && action !== 'shutdown') && action !== 'reboot') checkVmLock(cur);
        let warnings = 0;
        if (action === 'start') {
          warnings = startVm(sim, node, cur, log);
        } else if (action === 'reboot') {
          if (cur.status !== 'running') die(`VM ${vmid} not running`);
          stopVm(cur);
          warnings = startVm(sim, node, cur, log);
        } else if (cur.status === 'running') {
          stopVm(cur);
        }
        sim.touch();
        return warnings > 0 ? { warnings } : undefined;
      },
    });
  };
}
