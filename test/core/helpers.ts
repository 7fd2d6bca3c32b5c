import pino, { type Logger } from 'pino';
import { ManualClock } from '../../src/core/clock.js';
import type {
  AdmittedPlan,
  KindDefinition,
  ObjectOutcome,
  ObjectPlan,
  PlanContext,
  ReconcileContext,
  Reconciler,
  StoredObject,
} from '../../src/core/kind.js';
import { Manager, type ManagerOptions } from '../../src/core/manager.js';
import type { ManifestDoc, SourceSnapshot } from '../../src/source/types.js';
import { openStore, type Store } from '../../src/store/store.js';

export const silentLog: Logger = pino({ level: 'silent' });

export function doc(
  kind: string,
  name: string,
  spec: Record<string, unknown> = {},
  opts: {
    file?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  } = {},
): ManifestDoc {
  return {
    apiVersion: 'pxr/v1alpha1',
    kind,
    name,
    labels: opts.labels ?? {},
    annotations: opts.annotations ?? {},
    spec,
    location: { file: opts.file ?? `${name}.yaml`, line: 1, column: 1 },
  };
}

export function snap(docs: ManifestDoc[], opts: Partial<SourceSnapshot> = {}): SourceSnapshot {
  return {
    docs,
    issues: [],
    invalidFiles: [],
    fileCount: new Set(docs.map((d) => d.location.file)).size,
    readAt: 0,
    ...opts,
  };
}

type ReconcileFn = (
  ctx: ReconcileContext,
  objs: StoredObject[],
  plans: ReadonlyMap<string, AdmittedPlan>,
) => Promise<Map<string, ObjectOutcome | Error>>;
type FinalizeFn = (
  ctx: ReconcileContext,
  objs: StoredObject[],
) => Promise<Map<string, 'done' | ObjectOutcome | Error>>;

type PlanFn = (ctx: PlanContext, objs: StoredObject[]) => Promise<Map<string, ObjectPlan | Error>>;

/**
 * A reconciler whose behaviour a test swaps at will; records every call. `onPlan` says what observe
 * found (no change by default); `onReconcile` is the apply step, handed the admitted plans.
 */
export class FakeReconciler implements Reconciler {
  calls: { names: string[]; ctx: ReconcileContext; plans: ReadonlyMap<string, AdmittedPlan> }[] =
    [];
  finalizeCalls: string[][] = [];
  onPlan: PlanFn = async (_ctx, objs) => new Map(objs.map((o) => [o.name, { changes: [] }]));
  onReconcile: ReconcileFn = async (_ctx, objs) => new Map(objs.map((o) => [o.name, {}]));
  onFinalize: FinalizeFn = async (_ctx, objs) =>
    new Map(objs.map((o) => [o.name, 'done' as const]));

  constructor(private readonly group: (o: StoredObject) => string = (o) => o.name) {}

  groupKey(obj: StoredObject): string {
    return this.group(obj);
  }

  plan(ctx: PlanContext, objs: StoredObject[]): Promise<Map<string, ObjectPlan | Error>> {
    return this.onPlan(ctx, objs);
  }

  apply(
    ctx: ReconcileContext,
    objs: StoredObject[],
    plans: ReadonlyMap<string, AdmittedPlan>,
  ): Promise<Map<string, ObjectOutcome | Error>> {
    this.calls.push({ names: objs.map((o) => o.name), ctx, plans });
    return this.onReconcile(ctx, objs, plans);
  }

  finalize(
    ctx: ReconcileContext,
    objs: StoredObject[],
  ): Promise<Map<string, 'done' | ObjectOutcome | Error>> {
    this.finalizeCalls.push(objs.map((o) => o.name));
    return this.onFinalize(ctx, objs);
  }
}

export function kind(
  name: string,
  reconciler: FakeReconciler,
  dependsOn?: string[],
): KindDefinition {
  return {
    kind: name,
    plural: `${name.toLowerCase()}s`,
    schema: {},
    reconciler,
    ...(dependsOn ? { dependsOn } : {}),
  };
}

export interface Rig {
  store: Store;
  clock: ManualClock;
  manager: Manager;
}

/** A started manager over an in-memory store with a manual clock (resync off unless given). */
export function rig(kinds: KindDefinition[], opts: Partial<ManagerOptions> = {}): Rig {
  const clock = new ManualClock();
  const store = openStore(':memory:', { clock });
  const manager = new Manager({
    store,
    clock,
    log: silentLog,
    kinds,
    resyncMs: 0,
    backoff: { random: () => 0 },
    ...opts,
  });
  manager.start();
  return { store, clock, manager };
}

export function conditionsOf(
  store: Store,
  kindName: string,
  name: string,
): Record<string, [string, string]> {
  const st = store.status.get({ kind: kindName, name });
  return Object.fromEntries((st?.conditions ?? []).map((c) => [c.type, [c.status, c.reason]]));
}
