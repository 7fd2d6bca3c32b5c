/**
 * The runtime's one place for drift policy and ignore-fields (ARCHITECTURE §3–4): a kind's plan
 * goes in, what apply may carry out comes out, with the drift to record. Every kind gets the same
 * treatment, and `pxr diff` shows exactly what a pass would do.
 *
 * - a change that is not drift (spec changed, first create) is always admitted;
 * - drift on an ignored field (`pxr/drift-ignore`), or any drift under `pxr/drift: ignore`, is
 *   dropped: neither corrected nor reported;
 * - drift under `alert` is held: reported, not corrected;
 * - drift under `correct` is admitted and reported as being corrected.
 */
import { isFieldIgnored, type DriftItem, type DriftSettings } from './drift-policy.js';
import type { AdmittedPlan, ObjectPlan, PlannedChange } from './kind.js';

export interface Admission<State = unknown> {
  plan: AdmittedPlan<State>;
  /** Drift that counts under the policy (held or admitted). */
  drift: DriftItem[];
  /** Whether that drift is being corrected (policy `correct`). */
  corrected: boolean;
}

function ignored(c: PlannedChange, fields: readonly string[]): boolean {
  return [c.field, ...(c.aliases ?? [])].some((f) => isFieldIgnored(f, fields));
}

export function admit<State>(plan: ObjectPlan<State>, settings: DriftSettings): Admission<State> {
  const changes: PlannedChange[] = [];
  const held: PlannedChange[] = [];
  const drift: DriftItem[] = [];
  for (const c of plan.changes) {
    if (!c.drift) {
      changes.push(c);
      continue;
    }
    if (settings.policy === 'ignore' || ignored(c, settings.ignoreFields)) continue;
    drift.push({ field: c.field, desired: c.desired, actual: c.actual });
    (settings.policy === 'alert' ? held : changes).push(c);
  }
  return {
    plan: { ...plan, changes, held },
    drift,
    corrected: drift.length > 0 && settings.policy === 'correct',
  };
}
