/**
 * GET /qemu, GET/PUT/POST /qemu/{vmid}/config and GET /pending (`update_vm_api`): synchronous
 * option checks, then under the VM's flock: load, lock, digest, disk allocation, pending write
 * and hot-plug (running) or apply (stopped).
 */
import { splitList } from '../formats.js';
import { die, paramError, PveError, type RequestContext } from '../types.js';
import { configDigest, configView, pendingArray, type PendingItem } from '../lxc/config-file.js';
import { waitConfigFlock } from '../lxc/guests.js';
import { freeVolume } from '../lxc/volumes.js';
import { checkDriveParams, createDisks } from './disks.js';
import { checkVmLock, loadVm, ops, requestVm, vmStatus, vmsOf } from './guests.js';
import { parseNet, printNet } from './props.js';
import { checkSshKeys } from './create.js';
import { DURATION_MS } from './runtime.js';
import { isVmOption, updateVm } from './update.js';

const MASK = '**********';

export function listVms(ctx: RequestContext): Record<string, unknown>[] {
  const node = ctx.sim.node(String(ctx.params.node));
  const now = ctx.sim.clock.now();
  return Object.values(vmsOf(node))
    .sort((a, b) => a.vmid - b.vmid)
    .map((vm) => vmStatus(node, vm, now));
}

const subdirs = (names: string[]): { subdir: string }[] => names.map((subdir) => ({ subdir }));

export function vmIndex(ctx: RequestContext): { subdir: string }[] {
  requestVm(ctx);
  return subdirs([
    'config',
    'pending',
    'cloudinit',
    'status',
    'unlink',
    'vncproxy',
    'termproxy',
    'migrate',
    'resize',
    'move',
    'rrd',
    'rrddata',
    'monitor',
    'agent',
    'snapshot',
    'spiceproxy',
    'sendkey',
    'firewall',
    'mtunnel',
    'remote_migrate',
  ]);
}

export function getVmConfig(ctx: RequestContext): Record<string, string | number> {
  if (ctx.params.snapshot !== undefined) die('snapshots are not simulated for VMs');
  const { vm } = requestVm(ctx);
  const conf = configView(vm, ctx.params.current === 1);
  if (conf.cipassword !== undefined) conf.cipassword = MASK;
  return conf;
}

export function getVmPending(ctx: RequestContext): PendingItem[] {
  const items = pendingArray(requestVm(ctx).vm);
  for (const item of items) {
    if (item.key !== 'cipassword') continue;
    if (item.value !== undefined) item.value = MASK;
    // sic: qemu-server masks a pending password with a trailing space
    if (item.pending !== undefined) item.pending = `${MASK} `;
  }
  return items;
}

const NOT_CONFIG = new Set([
  'node',
  'vmid',
  'digest',
  'delete',
  'revert',
  'skiplock',
  'force',
  'background_delay',
]);

interface Prepared {
  set: Record<string, unknown>;
  del: string[];
  revert: string[];
  digest?: string;
}

/** The synchronous part of `update_vm_api` (before the flock). */
function prepare(ctx: RequestContext): Prepared {
  const { params } = ctx;
  const set: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) if (!NOT_CONFIG.has(k)) set[k] = v;
  if (params.skiplock === 1 && (ctx.caller.user !== 'root@pam' || ctx.caller.tokenId))
    paramError({ skiplock: 'Only root may use this option.' });
  if (typeof set.sshkeys === 'string') checkSshKeys(set.sshkeys);
  const delStr = typeof params.delete === 'string' ? params.delete : '';
  const revStr = typeof params.revert === 'string' ? params.revert : '';
  if (!delStr && !revStr && Object.keys(set).length === 0) die('no options specified');
  const revert: string[] = [];
  for (const opt of splitList(revStr)) {
    if (!isVmOption(opt)) paramError({ revert: `unknown option '${opt}'` });
    // sic: both texts and the `delete` key are qemu-server's
    if (set[opt] !== undefined)
      paramError({ delete: `you can't use '-${opt}' and -revert ${opt}' at the same time` });
    revert.push(opt);
  }
  const del: string[] = [];
  for (const o of splitList(delStr)) {
    const opt = o === 'cdrom' ? 'ide2' : o;
    if (set[opt] !== undefined)
      paramError({ delete: `you can't use '-${opt}' and -delete ${opt}' at the same time` });
    if (revert.includes(opt))
      paramError({ revert: `you can't use '-delete ${opt}' and -revert ${opt}' at the same time` });
    if (!isVmOption(opt)) paramError({ delete: `unknown option '${opt}'` });
    del.push(opt);
  }
  checkDriveParams(ctx.sim.node(String(params.node)), set);
  return {
    set,
    del,
    revert,
    ...(typeof params.digest === 'string' ? { digest: params.digest } : {}),
  };
}

/** The flock of a VM: waits for a running power task like `lock_config`, with qemu's path. */
async function vmFlock(ctx: RequestContext, vmid: number): Promise<void> {
  try {
    await waitConfigFlock(ctx.sim, String(ctx.params.node), vmid);
  } catch (err) {
    if (err instanceof PveError && /got timeout/.test(err.message))
      die(`can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`);
    throw err;
  }
}

/** The update itself, under the flock. Throws what Proxmox dies with (400 for hotplug errors). */
function apply(ctx: RequestContext, p: Prepared): void {
  const { sim } = ctx;
  const node = sim.node(String(ctx.params.node));
  const vmid = Number(ctx.params.vmid);
  const vm = loadVm(node, vmid);
  if (p.digest && p.digest !== configDigest(vm))
    die('detected modified configuration - file changed by other user? Try again.');
  if (ctx.params.skiplock !== 1) checkVmLock(vm);
  const set = { ...p.set };
  const del = [...p.del];
  // A revert writes the applied value again, or deletes a value that is only pending (a pending
  // new disk then becomes unusedN).
  for (const opt of p.revert) {
    if (vm.config[opt] !== undefined) set[opt] = vm.config[opt];
    else if (vm.pending[opt] !== undefined && !del.includes(opt)) del.push(opt);
  }
  for (const key of Object.keys(set)) {
    if (!/^net\d+$/.test(key)) continue;
    // A NIC written without a MAC keeps the one it had.
    const old = vm.pending[key] ?? vm.config[key];
    const random = old === undefined ? () => sim.random() : (): number => 0;
    const net = parseNet(key, String(set[key]), random);
    if (old !== undefined && !/([0-9a-f]{2}:){5}/i.test(String(set[key])))
      net.macaddr = parseNet(key, String(old), () => sim.random()).macaddr;
    set[key] = printNet(net);
  }
  const created = createDisks(node, vmid, set, sim.clock.now(), () => undefined);
  let result;
  try {
    result = updateVm(vm, { set, delete: del, revert: [] }, ops(sim, node));
  } catch (err) {
    for (const volid of created) freeVolume(node, volid);
    throw err;
  }
  vmsOf(node)[String(vmid)] = result.vm;
  sim.touch();
  // qemu-server writes the config, then reports what failed to hot-plug.
  if (Object.keys(result.errors).length > 0) paramError(result.errors);
}

export async function putVmConfig(ctx: RequestContext): Promise<null> {
  const p = prepare(ctx);
  const vmid = Number(ctx.params.vmid);
  requestVm(ctx);
  await vmFlock(ctx, vmid);
  apply(ctx, p);
  return null;
}

/** POST /config: the same update in a `qmconfig` worker (errors become the task's exit status). */
export function postVmConfig(ctx: RequestContext): string {
  const p = prepare(ctx);
  const { node, vmid } = requestVm(ctx);
  return ctx.sim.tasks.start({
    node: node.name,
    type: 'qmconfig',
    id: String(vmid),
    caller: ctx.caller,
    durationMs: DURATION_MS.qmconfig,
    run() {
      try {
        apply(ctx, p);
      } catch (err) {
        if (err instanceof PveError && err.errors)
          throw new Error(
            Object.entries(err.errors)
              .map(([k, v]) => `${k}: ${v}`)
              .join('\n'),
          );
        throw err;
      }
    },
  });
}
