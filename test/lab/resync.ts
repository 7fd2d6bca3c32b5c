/**
 * One resync pass over the appliance's services, as the Appliance kind's reconciler will run it
 * (src/kinds/appliance is not in the tree yet, so the lab drives the services layer directly): apply
 * each service with the same desired model, then record what differed in the real store's drift
 * table — corrected when the read-back after the apply found nothing left.
 */
import type { ApplianceDesired } from '../../src/appliance/desired.js';
import type { ApplianceService, ServiceReport } from '../../src/appliance/services/types.js';
import type { ObjectRef } from '../../src/core/kind.js';
import type { Store } from '../../src/store/store.js';

export interface PassReport {
  reports: ServiceReport[];
  /** Every drift field seen in this pass, all services. */
  driftFields: string[];
  /** What still differs after the pass; empty = converged in one pass. */
  remainingFields: string[];
  actions: string[];
  warnings: string[];
}

export async function resyncPass(
  services: ReadonlyArray<ApplianceService<unknown>>,
  desired: ApplianceDesired,
  store: Store,
  ref: ObjectRef,
): Promise<PassReport> {
  const reports: ServiceReport[] = [];
  for (const s of services) reports.push(await s.apply(desired));
  const now = store.clock.now();
  const seen = new Set<string>();
  for (const r of reports) {
    const left = new Set(r.remaining.map((d) => d.field));
    for (const d of r.drift) {
      seen.add(d.field);
      store.drift.observe(
        ref,
        { field: d.field, desired: d.desired, actual: d.actual },
        !left.has(d.field),
        now,
      );
    }
  }
  store.drift.resolveMissing(ref, seen, now);
  return {
    reports,
    driftFields: reports.flatMap((r) => r.drift.map((d) => d.field)),
    remainingFields: reports.flatMap((r) => r.remaining.map((d) => d.field)),
    actions: reports.flatMap((r) => r.actions.map((a) => `${r.service}: ${a}`)),
    warnings: reports.flatMap((r) =>
      r.warnings.map((w) => `${r.service}: ${w.reason} ${w.message}`),
    ),
  };
}
