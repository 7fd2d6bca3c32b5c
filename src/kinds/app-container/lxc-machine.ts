/**
 * The typed entry into the container machinery that every kind running containers calls
 * (AppContainer itself, the Appliance): its own object resolved into a container spec, planned,
 * applied and deleted — no casts between kinds' specs. Implemented by the AppContainer reconciler;
 * `engine.ts` hands it out.
 */
import type {
  AdmittedPlan,
  ObjectOutcome,
  PlanContext,
  ReconcileContext,
  StoredObject,
} from '../../core/kind.js';
import type { CtPlan } from './plan-state.js';
import type { ResolvedSpec } from './spec.js';

/** One container per object, whatever the kind: plan (reads only), apply, delete. */
export interface LxcMachine {
  planObject(
    ctx: PlanContext,
    obj: StoredObject<unknown>,
    spec: ResolvedSpec,
  ): Promise<CtPlan | Error>;
  applyObject(ctx: ReconcileContext, plan: AdmittedPlan): Promise<ObjectOutcome>;
  finalizeObject(
    ctx: ReconcileContext,
    obj: StoredObject<unknown>,
    spec: ResolvedSpec,
  ): Promise<'done' | ObjectOutcome>;
}
