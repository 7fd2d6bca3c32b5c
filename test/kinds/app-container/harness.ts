/**
 * Drives the AppContainer reconciler pass by pass against the simulator over HTTP (real
 * proxmox-api client), both on one ManualClock: tasks end when the harness moves time by the delay
 * each outcome asks for. Status is kept the way the controller keeps it (observed replaced by
 * outcomes, conditions merged).
 */
import { createHash } from 'node:crypto';
import pino from 'pino';
import { ManualClock } from '../../../src/core/clock.js';
import { inventoryOwnership } from '../../../src/core/ownership.js';
import { openStore, type Store } from '../../../src/store/store.js';
import type {
  Condition,
  ObjectEvent,
  ObjectOutcome,
  ReconcileContext,
  Reconciler,
  StoredObject,
} from '../../../src/core/kind.js';
import { createPveClient } from '../../../src/pve/client.js';
import type { PveClient } from '../../../src/pve/types.js';
import {
  AppContainerReconciler,
  type AppContainerDeps,
} from '../../../src/kinds/app-container/reconciler.js';
import type { AppContainerSpec } from '../../../src/kinds/app-container/spec.js';
import { startSim, type StartedSim } from '../../helpers/sim.js';
import type { SimulatorOptions } from '../../../src/sim/simulator.js';
import { planAndApply } from '../../../src/core/plan-apply.js';

export const TEMPLATE = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

export type Ct = StoredObject<AppContainerSpec>;

type SpecOf<R> = R extends Reconciler<infer S> ? S : never;

interface Status {
  observed: Record<string, unknown>;
  conditions: Condition[];
  ready: boolean;
}

let uidSeq = 0;

export function specHash(spec: unknown): string {
  return createHash('sha1').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
}

export function ct(name: string, spec: Partial<AppContainerSpec> = {}, over: Partial<Ct> = {}): Ct {
  const full: AppContainerSpec = {
    node: 'pve',
    template: TEMPLATE,
    network: { bridge: 'vmbr1', ip: 'dhcp', firewall: false },
    ...spec,
  };
  return {
    kind: 'AppContainer',
    name,
    uid: `u${++uidSeq}-${name}`,
    generation: 1,
    specHash: specHash(full),
    spec: full,
    labels: {},
    annotations: {},
    sourceFile: 'cts.yaml',
    deletionRequested: false,
    finalizers: [],
    ...over,
  };
}

/** The same object with a new spec (new generation and hash, same uid). */
export function withSpec(obj: Ct, spec: Partial<AppContainerSpec>): Ct {
  const full = { ...obj.spec, ...spec };
  return { ...obj, spec: full, generation: obj.generation + 1, specHash: specHash(full) };
}

/** Generic over the kind (the VirtualMachine tests drive theirs through it too). */
export class Harness<R extends Reconciler<never> = AppContainerReconciler, S = SpecOf<R>> {
  readonly status = new Map<string, Status>();
  /** Bridge objects visible to the reconciler (name -> node/iface, Ready flag). */
  bridges: { name: string; node: string; iface: string; ready: boolean }[] = [];

  /** Events finalizers recorded through `ctx.recordEvent`. */
  readonly recorded: { name: string; event: ObjectEvent }[] = [];
  /** Hand the reconciler the store's write-ahead inventory (as the runtime does). */
  withOwnership = true;

  constructor(
    public reconciler: R,
    readonly clock: ManualClock,
    /** A real (in-memory) store: its inventory backs `ctx.ownership`. */
    readonly store: Store = openStore(':memory:', { clock }),
  ) {}

  ctx(objs: StoredObject<S>[]): ReconcileContext {
    return {
      log: pino({ level: 'silent' }),
      clock: this.clock,
      reconcileId: 'test',
      signal: new AbortController().signal,
      getStatus: (ref) => {
        if (ref.kind === 'Bridge') {
          const b = this.bridges.find((x) => x.name === ref.name);
          return b && { ready: b.ready, observedGeneration: 1, conditions: [], observed: {} };
        }
        const st = this.status.get(ref.name);
        return st && { ...st, observedGeneration: 1 };
      },
      get: (ref) => this.listObjects(ref.kind).find((o) => o.name === ref.name),
      list: (kind) => this.listObjects(kind),
      observed: this.status.get(objs[0]?.name ?? '')?.observed ?? {},
      observedOf: (name) => this.status.get(name)?.observed ?? {},
      ...(this.withOwnership
        ? {
            ownership: inventoryOwnership(this.store.inventory, objs as StoredObject[], this.clock),
          }
        : {}),
      recordEvent: (name, event) => this.recorded.push({ name, event }),
    };
  }

  listObjects(kind: string): StoredObject[] {
    if (kind !== 'Bridge') return [];
    return this.bridges.map((b) => ({
      kind: 'Bridge',
      name: b.name,
      uid: `b-${b.name}`,
      generation: 1,
      specHash: 'b',
      spec: { node: b.node, iface: b.iface },
      labels: {},
      annotations: {},
      sourceFile: 'bridges.yaml',
      deletionRequested: false,
      finalizers: [],
    }));
  }

  record(obj: StoredObject<S>, o: ObjectOutcome): void {
    const st = this.status.get(obj.name) ?? { observed: {}, conditions: [], ready: false };
    if (o.observed) st.observed = o.observed;
    st.ready = !o.notReady;
    for (const c of o.conditions ?? []) {
      st.conditions = [
        ...st.conditions.filter((x) => x.type !== c.type),
        { ...c, lastTransitionTime: 0 },
      ];
    }
    this.status.set(obj.name, st);
  }

  /** One pass; records the outcome unless `record` is false (a crash before status was written). */
  async pass(obj: StoredObject<S>, record = true): Promise<ObjectOutcome | Error> {
    const r = await planAndApply(this.reconciler, this.ctx([obj]), [obj]);
    const v = r.get(obj.name) ?? new Error('no outcome');
    if (record && !(v instanceof Error)) this.record(obj, v);
    return v;
  }

  /** One finalize pass; its observed facts are kept as the controller keeps them. */
  async finalize(obj: StoredObject<S>): Promise<'done' | ObjectOutcome | Error> {
    const r = await (this.reconciler as Reconciler<S>).finalize(this.ctx([obj]), [obj]);
    const v = r.get(obj.name) ?? new Error('no outcome');
    if (v !== 'done' && !(v instanceof Error) && v.observed) {
      const st = this.status.get(obj.name);
      if (st) st.observed = v.observed;
    }
    return v;
  }

  /** Passes until one needs no requeue; moves the clock by each requested delay. */
  async converge(obj: StoredObject<S>, maxPasses = 40): Promise<ObjectOutcome[]> {
    const history: ObjectOutcome[] = [];
    for (let i = 0; i < maxPasses; i++) {
      const v = await this.pass(obj);
      if (v instanceof Error) throw v;
      history.push(v);
      if (v.requeueAfterMs === undefined && !v.notReady) return history;
      this.clock.advance(v.requeueAfterMs ?? 5000);
    }
    throw new Error(
      `${obj.name}: not converged after ${maxPasses} passes: ${JSON.stringify(history.at(-1))}`,
    );
  }

  /** Finalize passes until `done`. */
  async delete(obj: StoredObject<S>, maxPasses = 40): Promise<ObjectOutcome[]> {
    const history: ObjectOutcome[] = [];
    for (let i = 0; i < maxPasses; i++) {
      const v = await this.finalize(obj);
      if (v instanceof Error) throw v;
      if (v === 'done') return history;
      history.push(v);
      this.clock.advance(v.requeueAfterMs ?? 5000);
    }
    throw new Error(`${obj.name}: not deleted after ${maxPasses} passes`);
  }
}

export interface Rig {
  s: StartedSim;
  pve: PveClient;
  clock: ManualClock;
  h: Harness;
  /** Calls of the reconciler's client by `METHOD /route`. */
  count(key: string): number;
  writes(): number;
  close(): Promise<void>;
}

/** Calls of a client by `METHOD /route`, and its writes (every call but GETs) so far. */
export function callCounters(pve: PveClient): {
  count: (key: string) => number;
  writes: () => number;
} {
  return {
    count: (k) => pve.calls()[k]?.count ?? 0,
    writes: () =>
      Object.entries(pve.calls())
        .filter(([k]) => !k.startsWith('GET '))
        .reduce((n, [, v]) => n + v.count, 0),
  };
}

/** A simulator with isolated bridges vmbr1 and vmbr10 on node `pve`, and a reconciler. */
export async function rig(
  deps: Partial<AppContainerDeps> = {},
  simOpts: Partial<SimulatorOptions> = {},
): Promise<Rig> {
  const clock = new ManualClock();
  const s = await startSim({ clock, taskTimeScale: 0.25, ...simOpts });
  const pve = createPveClient({
    url: s.url,
    tokenId: s.tokenId,
    tokenSecret: s.tokenSecret,
    clock,
    logger: pino({ level: 'silent' }),
  });
  for (const node of simOpts.nodes ?? ['pve']) {
    for (const iface of ['vmbr1', 'vmbr10']) {
      await pve.createNetwork(node, iface, { type: 'bridge', autostart: 1 });
    }
    const upid = await pve.applyNetwork(node);
    for (let i = 0; i < 60 && (await pve.taskStatus(node, upid)).status === 'running'; i++) {
      clock.advance(1000);
    }
  }
  const h: Harness = new Harness(
    new AppContainerReconciler({
      pve,
      clock,
      taskPollMs: 1000,
      resourcesTtlMs: 0,
      readSecret: async (path) => {
        if (path === '/secrets/root-password') return 'correct horse battery\n';
        throw new Error(`ENOENT: no such file '${path}'`);
      },
      ...deps,
    }),
    clock,
  );
  const { count, writes } = callCounters(pve);
  return {
    s,
    pve,
    clock,
    h,
    count,
    writes,
    close: async () => {
      await pve.close();
      await s.close();
    },
  };
}

/** The container as the simulator holds it (bypassing the API). */
export function simCt(
  r: Rig,
  vmid: number,
  node = 'pve',
): { config: Record<string, string | number>; status: string } | undefined {
  return r.s.sim.state.nodes[node]?.lxc[String(vmid)];
}

export function vmidOf(r: Rig, name: string): number {
  const v = r.h.status.get(name)?.observed['vmid'];
  if (typeof v !== 'number') throw new Error(`${name}: no vmid recorded`);
  return v;
}

/** Polls a task (made behind pxr's back) to its end on the manual clock. */
export async function waitTaskByHand(r: Rig, upid: string, node = 'pve'): Promise<void> {
  for (let i = 0; i < 100 && (await r.pve.taskStatus(node, upid)).status === 'running'; i++) {
    r.clock.advance(500);
  }
}
