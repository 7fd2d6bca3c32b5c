/**
 * Desired vs observed container -> one plan. Pure. Settable fields go into ONE `PUT /config`
 * (with `delete=` for optional fields that were removed); disks grow through `PUT /resize` (one
 * task each); a shrink is impossible (terminal); create-only fields (template, unprivileged,
 * storage of a disk) can only change by replacing the container.
 */
import {
  MANAGED_KEYS,
  sizeArg,
  type CanonicalConfig,
  type CtState,
  type DiskState,
  type ManagedKey,
} from './normalize.js';
import { parseProps } from './propstring.js';

export interface FieldChange {
  /** `cores`, `net0.bridge`, `mp1.path`, `rootfs.size`, `template`... */
  field: string;
  desired: unknown;
  actual: unknown;
}

export interface ResizeOp {
  disk: string;
  /** Absolute size for `PUT /resize` (`12G`). */
  size: string;
}

export interface ConfigPlan {
  /** Every difference found (settable, resize, replace, shrink). */
  fields: FieldChange[];
  /** Keys of the one config PUT (raw values as sent). */
  set: Record<string, string>;
  delete: string[];
  resizes: ResizeOp[];
  /** Create-only fields that differ: only a replacement can apply them. */
  replace: FieldChange[];
  /** Disks asked to shrink: impossible. */
  shrink: FieldChange[];
}

/** Keys whose unset form is `delete=` rather than an empty value. */
const DELETABLE: ReadonlySet<ManagedKey> = new Set([
  'nameserver',
  'searchdomain',
  'features',
  'startup',
  'net1',
]);

/** net0 differences as `net0.<key>` items, so drift says which part changed. */
function netFields(key: string, desired: string, actual: string): FieldChange[] {
  const d = parseProps(desired);
  const a = parseProps(actual);
  const keys = [...new Set([...Object.keys(d), ...Object.keys(a)])].sort();
  const out: FieldChange[] = [];
  for (const k of keys) {
    if (d[k] !== a[k])
      out.push({ field: `${key}.${k}`, desired: d[k] ?? null, actual: a[k] ?? null });
  }
  return out;
}

/** Differences of the plain config keys. `rawDesired` holds the values to send (e.g. net0 with MAC). */
export function diffConfig(
  desired: CanonicalConfig,
  actual: CanonicalConfig,
  rawDesired: Partial<Record<ManagedKey, string>> = {},
): Pick<ConfigPlan, 'fields' | 'set' | 'delete'> {
  const fields: FieldChange[] = [];
  const set: Record<string, string> = {};
  const del: string[] = [];
  for (const k of MANAGED_KEYS) {
    if (desired[k] === actual[k]) continue;
    if (k === 'net0' || k === 'net1') fields.push(...netFields(k, desired[k], actual[k]));
    else fields.push({ field: k, desired: desired[k], actual: actual[k] });
    if (desired[k] === '' && DELETABLE.has(k)) del.push(k);
    else set[k] = rawDesired[k] ?? desired[k];
  }
  return { fields, set, delete: del };
}

function diskFields(d: DiskState, a: DiskState, plan: ConfigPlan): boolean {
  let changed = false;
  if (d.storage !== a.storage) {
    plan.replace.push({ field: `${d.key}.storage`, desired: d.storage, actual: a.storage });
  }
  const ds = d.sizeBytes ?? 0;
  const as = a.sizeBytes ?? 0;
  if (ds > as) {
    plan.fields.push({ field: `${d.key}.size`, desired: sizeArg(ds), actual: sizeArg(as) });
    plan.resizes.push({ disk: d.key, size: sizeArg(ds) });
  } else if (ds < as) {
    plan.shrink.push({ field: `${d.key}.size`, desired: sizeArg(ds), actual: sizeArg(as) });
  }
  if (d.key === 'rootfs') return false;
  for (const [f, dv, av] of [
    ['path', d.path, a.path],
    ['backup', d.backup, a.backup],
    ['ro', d.ro, a.ro],
  ] as const) {
    if (dv !== av) {
      plan.fields.push({ field: `${d.key}.${f}`, desired: dv, actual: av });
      changed = true;
    }
  }
  return changed;
}

/** The mount point string pxr sends for a disk. */
export function mountString(d: DiskState, volume?: string): string {
  const head = volume ?? `${d.storage}:${Math.ceil((d.sizeBytes ?? 0) / 1024 ** 3)}`;
  const parts = [head, `mp=${d.path ?? ''}`];
  if (d.backup) parts.push('backup=1');
  if (d.ro) parts.push('ro=1');
  if (volume && d.sizeBytes !== undefined) parts.push(`size=${sizeArg(d.sizeBytes)}`);
  return parts.join(',');
}

/** The whole plan from desired and observed state (pending-merged view). */
export function planChanges(
  desired: { config: CanonicalConfig; rootfs: DiskState; mounts: DiskState[]; unprivileged: 0 | 1 },
  actual: CtState,
  rawDesired: Partial<Record<ManagedKey, string>> = {},
): ConfigPlan {
  const base = diffConfig(desired.config, actual.config, rawDesired);
  const plan: ConfigPlan = { ...base, resizes: [], replace: [], shrink: [] };
  if (desired.unprivileged !== actual.unprivileged) {
    plan.replace.push({
      field: 'unprivileged',
      desired: desired.unprivileged,
      actual: actual.unprivileged,
    });
  }
  if (actual.rootfs) diskFields(desired.rootfs, actual.rootfs, plan);
  const wanted = new Set<string>();
  for (const d of desired.mounts) {
    wanted.add(d.key);
    const a = actual.mounts.get(d.key);
    if (!a) {
      plan.fields.push({ field: d.key, desired: mountString(d), actual: null });
      plan.set[d.key] = mountString(d);
      continue;
    }
    // A grown disk keeps its new size in the string sent with a path change: resize first.
    const current = { ...d, sizeBytes: Math.max(d.sizeBytes ?? 0, a.sizeBytes ?? 0) };
    if (diskFields(d, a, plan)) plan.set[d.key] = mountString(current, a.volume);
  }
  for (const key of [...actual.mounts.keys()].sort()) {
    if (wanted.has(key)) continue;
    plan.fields.push({ field: key, desired: null, actual: actual.mounts.get(key)?.path ?? key });
    plan.delete.push(key);
  }
  return plan;
}

/**
 * The plan reduced to the fields `keep` accepts (what the runtime admitted): a key stays out of the
 * PUT when none of its differences is kept (`net0.ip` held alone keeps the whole net0 as it is), and
 * a disk whose size is not kept is not grown.
 */
export function onlyFields(pl: ConfigPlan, keep: (field: string) => boolean): ConfigPlan {
  const fields = pl.fields.filter((f) => keep(f.field));
  const keys = new Set(fields.map((f) => f.field.split('.')[0]));
  return {
    ...pl,
    fields,
    set: Object.fromEntries(Object.entries(pl.set).filter(([k]) => keys.has(k))),
    delete: pl.delete.filter((k) => keys.has(k)),
    resizes: pl.resizes.filter((r) => keep(`${r.disk}.size`)),
  };
}

export function isEmptyPlan(p: ConfigPlan): boolean {
  return p.fields.length === 0 && p.replace.length === 0 && p.shrink.length === 0;
}

/** `cores: "1" -> "2"` lines for logs, events and `pxr diff`. */
export function describeFields(items: readonly FieldChange[]): string {
  return items.map((x) => `${x.field}: ${fmt(x.actual)} -> ${fmt(x.desired)}`).join(', ');
}

function fmt(v: unknown): string {
  return v === '' || v === null || v === undefined ? '(unset)' : JSON.stringify(v);
}
