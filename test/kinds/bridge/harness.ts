/**
 * A minimal stand-in for the runtime around the Bridge reconciler: keeps status per object the way
 * the controller does (observed replaced by outcomes, observedGeneration set when Ready), so the
 * reconciler can be driven pass by pass against the simulator on a ManualClock. Ownership is the
 * runtime's: the inventory of a real (in-memory) SQLite store, which survives "restarts" of the
 * reconciler (a new reconciler on the same harness).
 */
import pino from 'pino';
import type { ManualClock } from '../../../src/core/clock.js';
import type {
  Condition,
  ObjectOutcome,
  ReconcileContext,
  Reconciler,
  StoredObject,
} from '../../../src/core/kind.js';
import type { BridgeSpec } from '../../../src/kinds/bridge/spec.js';
import { inventoryOwnership } from '../../../src/core/ownership.js';
import { openStore, type Store } from '../../../src/store/store.js';
import { planAndApply } from '../../../src/core/plan-apply.js';
import type { PveClient } from '../../../src/pve/types.js';
import { waitTask } from '../../helpers/wait-task.js';

interface Status {
  observed: Record<string, unknown>;
  observedGeneration: number;
  conditions: Condition[];
}

let uidSeq = 0;

export function bridge(
  name: string,
  spec: Partial<BridgeSpec> & { iface: string },
  over: Partial<StoredObject<BridgeSpec>> = {},
): StoredObject<BridgeSpec> {
  return {
    kind: 'Bridge',
    name,
    uid: `uid-${name}-${++uidSeq}`,
    generation: 1,
    specHash: 'h',
    spec: {
      node: 'pve',
      ports: [],
      vlanAware: false,
      autostart: true,
      allowApiBridge: false,
      adopt: false,
      ...spec,
    },
    labels: {},
    annotations: {},
    sourceFile: 'bridges.yaml',
    deletionRequested: false,
    finalizers: [],
    ...over,
  };
}

export class Harness {
  readonly status = new Map<string, Status>();
  /** Events recorded through `ctx.recordEvent`. */
  readonly recorded: { name: string; type: string; reason: string; message: string }[] = [];
  readonly store: Store;
  constructor(
    public reconciler: Reconciler<BridgeSpec>,
    private readonly clock: ManualClock,
  ) {
    this.store = openStore(':memory:', { clock });
  }

  ctx(objs: StoredObject<BridgeSpec>[]): ReconcileContext {
    const byName = new Map(objs.map((o) => [o.name, o]));
    return {
      log: pino({ level: 'silent' }),
      clock: this.clock,
      reconcileId: 'test',
      signal: new AbortController().signal,
      getStatus: (ref) => {
        const st = this.status.get(ref.name);
        return st && { ready: false, ...st };
      },
      get: (ref) => (ref.kind === 'Bridge' ? byName.get(ref.name) : undefined),
      list: (kind) => (kind === 'Bridge' ? objs : []),
      observed: this.status.get(objs[0]?.name ?? '')?.observed ?? {},
      observedOf: (name) => this.status.get(name)?.observed ?? {},
      ownership: inventoryOwnership(this.store.inventory, objs, this.clock),
      recordEvent: (name, e) => this.recorded.push({ name, ...e }),
    };
  }

  private record(obj: StoredObject<BridgeSpec>, o: ObjectOutcome): void {
    const st = this.status.get(obj.name) ?? { observed: {}, observedGeneration: 0, conditions: [] };
    if (o.observed) st.observed = o.observed;
    if (!o.notReady) st.observedGeneration = obj.generation;
    for (const c of o.conditions ?? []) {
      st.conditions = [
        ...st.conditions.filter((x) => x.type !== c.type),
        { ...c, lastTransitionTime: 0 },
      ];
    }
    this.status.set(obj.name, st);
  }

  async pass(objs: StoredObject<BridgeSpec>[]): Promise<Map<string, ObjectOutcome | Error>> {
    const r = await planAndApply(this.reconciler, this.ctx(objs), objs);
    for (const o of objs) {
      const v = r.get(o.name);
      if (v && !(v instanceof Error)) this.record(o, v);
    }
    return r;
  }

  async finalize(
    objs: StoredObject<BridgeSpec>[],
  ): Promise<Map<string, 'done' | ObjectOutcome | Error>> {
    return this.reconciler.finalize(this.ctx(objs), objs);
  }

  /** Runs passes, moving the clock by each requested delay, until no object asks to requeue. */
  async converge(objs: StoredObject<BridgeSpec>[], maxPasses = 20): Promise<ObjectOutcome[]> {
    const history: ObjectOutcome[] = [];
    for (let i = 0; i < maxPasses; i++) {
      const r = await this.pass(objs);
      const outs = [...r.values()];
      const err = outs.find((v) => v instanceof Error);
      if (err) throw err;
      history.push(...(outs as ObjectOutcome[]));
      const wait = Math.max(-1, ...(outs as ObjectOutcome[]).map((o) => o.requeueAfterMs ?? -1));
      if (wait < 0) return history;
      this.clock.advance(wait);
    }
    throw new Error(`not converged after ${maxPasses} passes`);
  }
}

/**
 * Applies the node's staged network changes as a person would (changes "behind pxr's back" go
 * through the API, then get applied), moving the shared clock until the reload task has ended.
 */
export async function applyNetworkByHand(pve: PveClient, clock: ManualClock): Promise<void> {
  const upid = await pve.applyNetwork('pve');
  const waiting = waitTask(pve, 'pve', upid, { clock, pollMs: 1000 });
  for (let i = 0; i < 30 && (await pve.taskStatus('pve', upid)).status === 'running'; i++) {
    clock.advance(1000);
  }
  clock.advance(1000);
  await waiting;
}
