/**
 * Reads and the synchronous config update: GET /lxc, GET/PUT /lxc/{vmid}/config, GET /pending,
 * GET /status/current, GET /interfaces.
 */
import { snapshotConfigView } from './snapshots.js';
import { splitList } from '../formats.js';
import { die, paramError, type RequestContext } from '../types.js';
import { configView, pendingArray, type PendingItem } from './config-file.js';
import { configDigest } from './config-file.js';
import { updateConfig } from './config-update.js';
import { checkLock, requestCt, volumeOps, waitConfigFlock } from './guests.js';
import { isConfigKey } from './params.js';
import { interfaces, vmStatus, type VmStatus } from './runtime.js';

/** A validated scalar parameter as text. */
function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

const subdirs = (names: string[]): { subdir: string }[] => names.map((subdir) => ({ subdir }));

/** GET /lxc/{vmid}: the directory index (the container must exist). */
export function ctIndex(ctx: RequestContext): { subdir: string }[] {
  requestCt(ctx);
  return subdirs([
    'config',
    'status',
    'vncproxy',
    'termproxy',
    'vncwebsocket',
    'spiceproxy',
    'migrate',
    'clone',
    'rrd',
    'rrddata',
    'firewall',
    'snapshot',
    'resize',
    'pending',
    'interfaces',
  ]);
}

/** GET /lxc/{vmid}/status: the directory index. */
export function statusIndex(ctx: RequestContext): { subdir: string }[] {
  requestCt(ctx);
  return subdirs(['current', 'start', 'stop', 'shutdown', 'reboot', 'suspend', 'resume']);
}

export function listCts(ctx: RequestContext): VmStatus[] {
  const node = ctx.sim.node(String(ctx.params.node));
  const now = ctx.sim.clock.now();
  return Object.values(node.lxc)
    .sort((a, b) => a.vmid - b.vmid)
    .map((ct) => vmStatus(node, ct, now));
}

export function getConfig(ctx: RequestContext): Record<string, string | number> {
  const { params } = ctx;
  if (params.snapshot !== undefined && params.current === 1) {
    const msg = "cannot use 'snapshot' parameter with 'current'";
    paramError({ snapshot: msg, current: msg });
  }
  const { ct } = requestCt(ctx);
  if (params.snapshot !== undefined) return snapshotConfigView(ct, str(params.snapshot));
  return configView(ct, params.current === 1);
}

export function getPending(ctx: RequestContext): PendingItem[] {
  return pendingArray(requestCt(ctx).ct);
}

/**
 * PUT /config: flock -> load -> lock -> digest -> delete/revert checks -> update_pct_config. The
 * flock waits for a running power task of the container (it holds it while it runs).
 */
export async function putConfig(ctx: RequestContext): Promise<null> {
  const { sim } = ctx;
  const rest: Record<string, unknown> = { ...ctx.params };
  delete rest.node;
  delete rest.vmid;
  const digest = rest.digest;
  delete rest.digest;
  if (Object.keys(rest).length === 0) die('no options specified');
  const del = rest.delete === undefined ? [] : splitList(str(rest.delete));
  const revert = rest.revert === undefined ? [] : splitList(str(rest.revert));
  delete rest.delete;
  delete rest.revert;

  const vmid = Number(ctx.params.vmid);
  requestCt(ctx); // a missing CT fails before any wait
  await waitConfigFlock(sim, String(ctx.params.node), vmid);
  const { node, ct } = requestCt(ctx);
  checkLock(ct);
  if (typeof digest === 'string' && digest !== '' && digest !== configDigest(ct))
    die('detected modified configuration - file changed by other user? Try again.');

  for (const opt of revert) {
    if (!isConfigKey(opt)) paramError({ revert: `unknown option '${opt}'` });
    if (rest[opt] !== undefined)
      paramError({ revert: `you can't use '-${opt}' and '-revert ${opt}' at the same time` });
  }
  for (const opt of del) {
    if (!isConfigKey(opt)) paramError({ delete: `unknown option '${opt}'` });
    if (rest[opt] !== undefined)
      paramError({ delete: `you can't use '-${opt}' and -delete ${opt}' at the same time` });
    if (revert.includes(opt))
      paramError({
        delete: `you can't use '-delete ${opt}' and '-revert ${opt}' at the same time`,
      });
  }

  const running = ct.status === 'running';
  const result = updateConfig(
    ct,
    running,
    { set: rest, delete: del, revert },
    volumeOps(sim, node, vmid),
  );
  // "don't write to config if we get any errors"
  if (Object.keys(result.errors).length > 0) paramError(result.errors);
  node.lxc[String(vmid)] = result.ct;
  sim.touch();
  return null;
}

export function statusCurrent(ctx: RequestContext): Record<string, unknown> {
  const { node, ct } = requestCt(ctx);
  return { ...vmStatus(node, ct, ctx.sim.clock.now()), ha: { managed: 0 } };
}

export function getInterfaces(ctx: RequestContext): Record<string, unknown>[] | null {
  const { node, ct } = requestCt(ctx);
  const before = JSON.stringify(ct.leases ?? null);
  const res = interfaces(node, ct);
  if (JSON.stringify(ct.leases ?? null) !== before) ctx.sim.touch();
  return res;
}
