/**
 * The node-wide steps shared by reconcile and finalize: waiting on apply tasks, judging changes
 * staged with no task recorded (ours from an interrupted pass -> apply; anything else -> report),
 * and starting the one apply task (reverting on failure only what is still exactly ours).
 */
import type { ObjectOutcome, ReconcileContext, StoredObject } from '../../core/kind.js';
import type { NetworkList, PveClient } from '../../pve/types.js';
import { activeReload } from './network-ops.js';
import { ownedBridges } from './owned.js';
import { classifyPending, type PendingVerdict } from './pending.js';
import type { BridgeObserved } from './plan.js';
import { nodeAddresses } from './protect.js';
import type { BridgeSpec } from './spec.js';

export type Obj = StoredObject<BridgeSpec>;
export type Outcomes = Map<string, ObjectOutcome | Error>;

export function withoutUpid(o: BridgeObserved): BridgeObserved {
  const { applyUpid: _drop, ...rest } = o;
  return rest;
}

/** What status recorded for `o` last time. */
export function prevOf(
  ctx: Pick<ReconcileContext, 'observed' | 'observedOf'>,
  objs: readonly Obj[],
  o: Obj,
): BridgeObserved {
  return { ...(ctx.observedOf?.(o.name) ?? (objs.length === 1 ? ctx.observed : {})) };
}

export interface NodeApplyDeps {
  pve: PveClient;
  pollMs: number;
  foreignMs: number;
}

export interface NodeApply {
  /** Waiting on apply task `upid` (Ready=False `Applying`, polled by requeue). */
  applying: (prev: BridgeObserved, upid: string) => ObjectOutcome;
  /** Someone else's staged changes: reported, re-checked slowly, never applied nor reverted. */
  foreign: (node: string, prev: BridgeObserved, why: string) => ObjectOutcome;
  /** API addresses of the node, read only when a risky change needs the check. */
  apiAddressesOf: (ctx: ReconcileContext, node: string) => Promise<Set<string>>;
  /** Whether the changes staged on the node are only pxr's own, and which objects they are. */
  verdictOf: (
    ctx: ReconcileContext,
    node: string,
    objs: Obj[],
    prevs: ReadonlyMap<string, BridgeObserved>,
    net: NetworkList,
    live: boolean,
  ) => { verdict: PendingVerdict; owners: Set<string> };
  /** Pending changes with no task recorded: wait for a reload, apply ours, or report foreign. */
  pendingPass: (
    ctx: ReconcileContext,
    node: string,
    objs: Obj[],
    prevs: Map<string, BridgeObserved>,
    net: NetworkList,
    live: boolean,
  ) => Promise<Outcomes>;
  /** Starts the apply task; on failure reverts only staged changes that are still exactly ours. */
  applyOrRevert: (
    ctx: ReconcileContext,
    node: string,
    objs: Obj[],
    prevs: Map<string, BridgeObserved>,
    live: boolean,
  ) => Promise<string>;
}

export function nodeApply(deps: NodeApplyDeps): NodeApply {
  const { pve, pollMs, foreignMs } = deps;

  const applying = (prev: BridgeObserved, upid: string): ObjectOutcome => ({
    observed: prev,
    requeueAfterMs: pollMs,
    notReady: { reason: 'Applying', message: `waiting for network apply task ${upid}` },
  });

  const foreign = (node: string, prev: BridgeObserved, why: string): ObjectOutcome => {
    const message = `the network configuration of ${node} has pending changes pxr did not make (${why}); apply or revert them (Proxmox UI: System > Network)`;
    return {
      observed: withoutUpid(prev),
      requeueAfterMs: foreignMs,
      notReady: { reason: 'ForeignPendingChanges', message },
      conditions: [
        { type: 'PendingChanges', status: 'True', reason: 'ForeignPendingChanges', message },
      ],
      events: [{ type: 'Warning', reason: 'ForeignPendingChanges', message }],
    };
  };

  /** API addresses of the node, read only when a risky change needs the check. */
  const apiAddressesOf = async (ctx: ReconcileContext, node: string): Promise<Set<string>> => {
    try {
      return nodeAddresses(await pve.get<Record<string, unknown>[]>('/cluster/status'), node);
    } catch (err) {
      // The gateway check still protects the usual API bridge; say why the address check is off.
      ctx.log.warn(
        { err, node },
        'cannot read /cluster/status; API bridge check uses gateway only',
      );
      return new Set();
    }
  };

  /** Whether the changes staged on the node are only pxr's own (pending.ts). */
  const verdictOf = (
    ctx: ReconcileContext,
    node: string,
    objs: Obj[],
    prevs: ReadonlyMap<string, BridgeObserved>,
    net: NetworkList,
    live: boolean,
  ): { verdict: PendingVerdict; owners: Set<string> } => {
    const owned = ownedBridges(ctx, objs, prevs, node, live);
    const pending = new Map(net.ifaces.map((i) => [i.iface, i]));
    const verdict = classifyPending(net.changes ?? '', pending, owned);
    const owners = new Set(verdict.ours ? verdict.ifaces.map((i) => owned.get(i)!.owner) : []);
    return { verdict, owners };
  };

  /**
   * Starts the one apply task; if that fails, un-stages so nothing of ours lingers as "foreign" —
   * but only when what is staged is still exactly ours (someone may have staged an edit meanwhile).
   */
  const applyOrRevert = async (
    ctx: ReconcileContext,
    node: string,
    objs: Obj[],
    prevs: Map<string, BridgeObserved>,
    live: boolean,
  ): Promise<string> => {
    try {
      return await pve.applyNetwork(node);
    } catch (err) {
      try {
        const net = await pve.listNetwork(node);
        const v = net.changes ? verdictOf(ctx, node, objs, prevs, net, live).verdict : undefined;
        if (v?.ours) await pve.revertNetwork(node);
        else if (v) ctx.log.warn({ node, reason: v.reason }, 'apply failed; staged changes left');
      } catch (revertErr) {
        ctx.log.error({ err: revertErr, node }, 'reverting staged network changes failed');
      }
      throw err;
    }
  };

  /**
   * Pending changes with no recorded task: a reload in flight (wait), pxr's own from a pass that
   * died before applying them (apply now), or someone else's (report, touch nothing).
   */
  const pendingPass = async (
    ctx: ReconcileContext,
    node: string,
    objs: Obj[],
    prevs: Map<string, BridgeObserved>,
    net: NetworkList,
    live: boolean,
  ): Promise<Outcomes> => {
    const out: Outcomes = new Map();
    const running = await activeReload(pve, node);
    if (running) {
      for (const o of objs) out.set(o.name, applying(prevs.get(o.name) ?? {}, running));
      return out;
    }
    const { verdict, owners } = verdictOf(ctx, node, objs, prevs, net, live);
    if (!verdict.ours) {
      // Said once per episode: someone's half-done edit may stay staged for hours.
      const known = objs.some((o) =>
        ctx
          .getStatus({ kind: o.kind, name: o.name })
          ?.conditions.some((c) => c.type === 'PendingChanges' && c.status === 'True'),
      );
      ctx.log[known ? 'debug' : 'warn'](
        { node, reason: verdict.reason },
        'foreign pending network changes',
      );
      for (const o of objs) out.set(o.name, foreign(node, prevs.get(o.name) ?? {}, verdict.reason));
      return out;
    }
    const upid = await applyOrRevert(ctx, node, objs, prevs, live);
    const what = `${verdict.ifaces.join(', ')} staged by an interrupted pass`;
    ctx.log.info({ node, ifaces: verdict.ifaces, upid }, 'applying our own staged changes');
    for (const o of objs) {
      const prev = withoutUpid(prevs.get(o.name) ?? {});
      if (!owners.has(o.name)) {
        out.set(o.name, applying(prev, upid));
        continue;
      }
      out.set(o.name, {
        ...applying({ ...prev, applyUpid: upid }, upid),
        actions: [`applying network on ${node} (${upid}): ${what}`],
      });
    }
    return out;
  };

  return { applying, foreign, apiAddressesOf, verdictOf, pendingPass, applyOrRevert };
}
