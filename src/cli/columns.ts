/**
 * What `pxr get` shows: NAME, the columns the kind declares in its definition (`columns`), then the
 * same status columns for every kind. Nothing here knows a particular kind.
 */
import type { KindDefinition } from '../core/kind.js';
import type { ObjectView, ViewLookup } from '../core/object-view.js';
import { formatDuration } from './duration.js';
import { isSuspended } from '../core/drift-policy.js';

type Col = { header: string; value(v: ObjectView): string };

export function condition(
  v: ObjectView,
  type: string,
): { status: string; reason: string; message: string } | undefined {
  return v.status.conditions.find((c) => c.type === type);
}

function ready(v: ObjectView): string {
  return condition(v, 'Ready')?.status ?? 'Unknown';
}

function reason(v: ObjectView): string {
  if (v.status.sourceInvalid) return 'SourceInvalid';
  if (v.object.deletionRequested) return 'Deleting';
  if (isSuspended(v.object.annotations)) return 'Suspended';
  if (condition(v, 'Stalled')?.status === 'True') return condition(v, 'Stalled')!.reason;
  return condition(v, 'Ready')?.reason ?? 'Pending';
}

/**
 * `def` is the kind listed (none: every kind, without kind columns); `lookup` finds other objects
 * for columns that show something of them.
 */
export function columnsFor(
  def: KindDefinition | undefined,
  wide: boolean,
  now: number,
  lookup: ViewLookup,
): Col[] {
  const cols: Col[] = [
    {
      header: 'NAME',
      value: (v) => (def ? v.object.name : `${v.object.kind.toLowerCase()}/${v.object.name}`),
    },
  ];
  for (const c of def?.columns ?? []) {
    if (c.wide && !wide) continue;
    cols.push({ header: c.header, value: (v) => c.value(v, lookup) });
  }
  cols.push(
    { header: 'READY', value: ready },
    { header: 'STATUS', value: reason },
    { header: 'DRIFT', value: (v) => (v.openDrift ? String(v.openDrift) : '-') },
    { header: 'AGE', value: (v) => formatDuration(Math.max(0, now - v.object.createdAt)) },
  );
  if (wide) {
    cols.push(
      { header: 'GEN', value: (v) => `${v.status.observedGeneration}/${v.object.generation}` },
      {
        header: 'REVISION',
        value: (v) => (v.object.revision ? v.object.revision.slice(0, 12) : '-'),
      },
      { header: 'SOURCE', value: (v) => v.object.sourceFile },
      {
        header: 'MESSAGE',
        value: (v) =>
          (condition(v, 'Stalled')?.status === 'True'
            ? condition(v, 'Stalled')!
            : condition(v, 'Ready')
          )?.message ?? '',
      },
    );
  }
  return cols;
}
