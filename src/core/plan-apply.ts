/**
 * One pass of a group: observe → plan → apply. The kind plans every object (reading only), the
 * runtime admits each plan under the object's drift policy (admit.ts), the kind applies what was
 * admitted, and the drift the plan found goes with the outcome. The controller runs every pass
 * through here; tests that drive a reconciler by hand do too, so they see what the runtime does.
 */
import { admit, type Admission } from './admit.js';
import { driftSettings } from './drift-policy.js';
import type {
  AdmittedPlan,
  ObjectOutcome,
  PlanContext,
  ReconcileContext,
  Reconciler,
  StoredObject,
} from './kind.js';

function missing(obj: { kind: string; name: string }, step: string): Error {
  return new Error(`reconciler (${step}) returned no outcome for ${obj.kind}/${obj.name}`);
}

function asMap<T>(v: Map<string, T>, step: string): Map<string, T> {
  if (!(v instanceof Map)) throw new Error(`reconciler (${step}) returned no Map`);
  return v;
}

/**
 * The plan step of a pass, and all of `pxr diff`: the kind plans every object (reading only) and
 * each plan is admitted under that object's drift policy.
 */
export async function planAndAdmit<Spec>(
  rec: Reconciler<Spec>,
  ctx: PlanContext,
  live: StoredObject<Spec>[],
): Promise<Map<string, Admission | Error>> {
  const planned = asMap(await rec.plan(ctx, live), 'plan');
  const out = new Map<string, Admission | Error>();
  for (const obj of live) {
    const p = planned.get(obj.name) ?? missing(obj, 'plan');
    out.set(obj.name, p instanceof Error ? p : admit(p, driftSettings(obj.annotations)));
  }
  return out;
}

export async function planAndApply<Spec>(
  rec: Reconciler<Spec>,
  ctx: ReconcileContext,
  live: StoredObject<Spec>[],
): Promise<Map<string, ObjectOutcome | Error>> {
  const out = new Map<string, ObjectOutcome | Error>();
  const admitted = new Map<string, AdmittedPlan>();
  const admissions = new Map<string, Admission>();
  for (const [name, a] of await planAndAdmit(rec, ctx, live)) {
    if (a instanceof Error) {
      out.set(name, a);
      continue;
    }
    admitted.set(name, a.plan);
    admissions.set(name, a);
  }
  const ready = live.filter((o) => admitted.has(o.name));
  if (ready.length === 0) return out;
  const applied = asMap(await rec.apply(ctx, ready, admitted), 'apply');
  for (const obj of ready) {
    const v = applied.get(obj.name) ?? missing(obj, 'apply');
    const a = admissions.get(obj.name)!;
    if (v instanceof Error) {
      out.set(obj.name, v);
      continue;
    }
    // Drift is the plan's to say; a kind only tells when it could not correct admitted drift.
    const { drift: _ignored, driftCorrected, ...rest } = v;
    out.set(
      obj.name,
      a.drift.length === 0
        ? rest
        : { ...rest, drift: a.drift, driftCorrected: a.corrected && driftCorrected !== false },
    );
  }
  return out;
}
