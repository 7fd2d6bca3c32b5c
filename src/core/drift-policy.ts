/**
 * Drift policy from annotations (ARCHITECTURE §4): `pxr/drift: correct|alert|ignore` (default
 * `correct`) and `pxr/drift-ignore: field1,field2` for individual fields.
 */

export interface DriftItem {
  /** e.g. `bridge_ports` */
  field: string;
  desired: unknown;
  actual: unknown;
}

export type DriftPolicy = 'correct' | 'alert' | 'ignore';

export const DRIFT_ANNOTATION = 'pxr/drift';
export const DRIFT_IGNORE_ANNOTATION = 'pxr/drift-ignore';
/** `pxr/suspend: "true"` pauses an object's reconciles and alerts (deletion still runs). */
export const SUSPEND_ANNOTATION = 'pxr/suspend';

export function isSuspended(annotations: Record<string, string>): boolean {
  return annotations[SUSPEND_ANNOTATION] === 'true';
}

export interface DriftSettings {
  policy: DriftPolicy;
  /** Fields never reported; `a.b` also covers `a.b.c` and `a.b[0]`. */
  ignoreFields: readonly string[];
  /** The annotation held an unknown value (the default was used instead). */
  invalidValue?: string;
}

export function driftSettings(
  annotations: Record<string, string>,
  fallback: DriftPolicy = 'correct',
): DriftSettings {
  const raw = annotations[DRIFT_ANNOTATION]?.trim().toLowerCase();
  const ignoreFields = (annotations[DRIFT_IGNORE_ANNOTATION] ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  if (raw === undefined || raw === '') return { policy: fallback, ignoreFields };
  if (raw === 'correct' || raw === 'alert' || raw === 'ignore')
    return { policy: raw, ignoreFields };
  return { policy: fallback, ignoreFields, invalidValue: raw };
}

export function isFieldIgnored(field: string, ignoreFields: readonly string[]): boolean {
  return ignoreFields.some(
    (f) => field === f || field.startsWith(`${f}.`) || field.startsWith(`${f}[`),
  );
}

/** The drift items that count under `settings` (none under `ignore`). */
export function filterDrift(items: readonly DriftItem[], settings: DriftSettings): DriftItem[] {
  if (settings.policy === 'ignore') return [];
  return items.filter((d) => !isFieldIgnored(d.field, settings.ignoreFields));
}
