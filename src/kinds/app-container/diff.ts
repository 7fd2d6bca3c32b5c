/**
 * Desired vs observed container -> one plan. Pure. Settable fields go into ONE `PUT /config`
 * (with `delete=` for optional fields that were removed); disks grow through `PUT /resize` (one
 * task each); a shrink is impossible (terminal); create-only fields (template, unprivileged,
 * storage of a disk) can only change by replacing the container.
 */
import {
  MANAGED_KEYS,
  netKeys,
  sizeArg,
  type CanonicalConfig,
  type ConfigKey,
  type CtState,
  type DiskState,
} from './normalize.js';
import { parseProps } from './propstring.js';
import { nicIndex } from '../guest-nics/nics.js';

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

/** Keys whose unset form is `delete=` rather than an empty value (every NIC is one too). */
const DELETABLE: ReadonlySet<string> = new Set([
  'nameserver',
  'searchdomain',
  'features',
  'startup',
]);

/**
 * NIC differences as `net0.<key>` items, so drift says which part changed; a NIC added or removed
 * as a whole is one `net2` item.
 */
function netFields(key: string, desired: string, actual: string): FieldChange[] {
  if (desired === '' || actual === '')
    return [{ field: key, desired: desired || null, actual: actual || null }];
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

/**
 * Differences of the plain config keys and of every NIC either side has (a NIC only one side has is
 * added or deleted: the caller leaves unmanaged NICs out of `actual`). `rawDesired` holds the values
 * to send (e.g. a NIC with its MAC).
 */
export function diffConfig(
  desired: CanonicalConfig,
  actual: CanonicalConfig,
  rawDesired: Partial<Record<ConfigKey, string>> = {},
): Pick<ConfigPlan, 'fields' | 'set' | 'delete'> {
  const fields: FieldChange[] = [];
  const set: Record<string, string> = {};
  const del: string[] = [];
  const nets = [...new Set([...netKeys(desired), ...netKeys(actual)])];
  // NICs after `swap`, where net0 always stood: the order of fields in actions and events stays.
  const at = MANAGED_KEYS.indexOf('swap') + 1;
  const keys: ConfigKey[] = [...MANAGED_KEYS.slice(0, at), ...nets, ...MANAGED_KEYS.slice(at)];
  for (const k of keys) {
    const d = desired[k] ?? '';
    const a = actual[k] ?? '';
    if (d === a) continue;
    const isNet = nicIndex(k) !== undefined;
    if (isNet) fields.push(...netFields(k, d, a));
    else fields.push({ field: k, desired: d, actual: a });
    if (d === '' && (isNet || DELETABLE.has(k))) del.push(k);
    else set[k] = rawDesired[k] ?? d;
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
  rawDesired: Partial<Record<ConfigKey, string>> = {},
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
