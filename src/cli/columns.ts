/** What `pxr get` shows per kind: a few spec columns, then the same status columns for every kind. */
import type { ObjectView } from '../store/queries.js';
import { formatDuration } from './duration.js';
import { appContainerColumns, type ApplianceLookup } from '../kinds/app-container/columns.js';
import { applianceColumns } from '../kinds/appliance/columns.js';
import { isSuspended } from '../core/drift-policy.js';

type Col = { header: string; value(v: ObjectView): string };

function scalar(x: unknown): string {
  if (typeof x === 'string') return x;
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  return JSON.stringify(x);
}
const str = (x: unknown): string =>
  x === undefined || x === null ? '' : Array.isArray(x) ? x.map(scalar).join(',') : scalar(x);
const spec = (v: ObjectView, key: string): unknown => v.object.spec[key];

const KIND_COLUMNS: Record<string, Col[]> = {
  Bridge: [
    { header: 'NODE', value: (v) => str(spec(v, 'node')) },
    { header: 'IFACE', value: (v) => str(spec(v, 'iface')) },
    { header: 'PORTS', value: (v) => str(spec(v, 'ports')) || '-' },
    { header: 'CIDR', value: (v) => str(spec(v, 'cidr')) || '-' },
  ],
};

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

function kindColumns(kind: string, wide: boolean, appliance?: ApplianceLookup): Col[] {
  if (kind === 'AppContainer') return appContainerColumns(wide, appliance);
  if (kind === 'Appliance') return applianceColumns(wide);
  return KIND_COLUMNS[kind] ?? [];
}

/** `appliance` finds an Appliance object (the BRIDGE of its members is its LAN bridge). */
export function columnsFor(
  kind: string | undefined,
  wide: boolean,
  now: number,
  appliance?: ApplianceLookup,
): Col[] {
  const cols: Col[] = [
    {
      header: 'NAME',
      value: (v) => (kind ? v.object.name : `${v.object.kind.toLowerCase()}/${v.object.name}`),
    },
  ];
  if (kind) cols.push(...kindColumns(kind, wide, appliance));
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
