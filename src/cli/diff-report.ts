/**
 * What `pxr diff` prints: every object's admitted plan as a report (the JSON of `-o json`) and its
 * human rendering. Pure.
 */
import type { PlannedObject } from '../core/controller.js';
import type { PlannedChange } from '../core/kind.js';

export type DiffResult = 'in-sync' | 'change' | 'waiting' | 'delete' | 'suspended' | 'error';

export interface ObjectDiff {
  kind: string;
  name: string;
  result: DiffResult;
  /** What a pass would carry out. */
  changes: PlannedChange[];
  /** Drift the object's policy (`pxr/drift: alert`) reports but does not correct. */
  held: PlannedChange[];
  /** Fields that cannot be read back through the API. */
  unknown: string[];
  waiting?: string;
  error?: string;
}

export interface DiffReport {
  objects: ObjectDiff[];
  summary: Record<DiffResult, number>;
  /** Why the source would not be pruned (a guard refused), when it would not. */
  pruneRefused?: string;
}

function objectDiff(p: PlannedObject): ObjectDiff {
  const base = { kind: p.obj.kind, name: p.obj.name, changes: [], held: [], unknown: [] };
  switch (p.state) {
    case 'deleting':
      return { ...base, result: 'delete' };
    case 'suspended':
      return { ...base, result: 'suspended' };
    case 'error':
      return { ...base, result: 'error', error: p.error.message };
    case 'planned': {
      const { changes, held, unknown = [], waiting } = p.plan;
      const result: DiffResult =
        changes.length > 0 || held.length > 0
          ? 'change'
          : waiting !== undefined
            ? 'waiting'
            : 'in-sync';
      return {
        ...base,
        result,
        changes,
        held,
        unknown,
        ...(waiting !== undefined ? { waiting } : {}),
      };
    }
  }
}

export function diffReport(planned: readonly PlannedObject[], pruneRefused?: string): DiffReport {
  const objects = planned.map(objectDiff);
  const summary: Record<DiffResult, number> = {
    'in-sync': 0,
    change: 0,
    waiting: 0,
    delete: 0,
    suspended: 0,
    error: 0,
  };
  for (const o of objects) summary[o.result]++;
  return { objects, summary, ...(pruneRefused !== undefined ? { pruneRefused } : {}) };
}

/** 0 nothing to do, 1 changes (or drift held, deletions, tasks in flight), 2 an object failed. */
export function diffExitCode(r: DiffReport): number {
  if (r.summary.error > 0) return 2;
  return r.summary.change + r.summary.waiting + r.summary.delete > 0 ? 1 : 0;
}

function show(v: unknown): string {
  if (v === undefined || v === '' || v === null) return '(unset)';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function changeLine(c: PlannedChange, mark: string, note: string): string[] {
  const what =
    c.field === 'exists'
      ? c.desired === true
        ? 'create'
        : 'remove'
      : `${c.field}: ${show(c.actual)} → ${show(c.desired)}`;
  return [`  ${mark} ${what}${note}`, ...c.calls.map((call) => `      ${call}`)];
}

export function renderDiff(r: DiffReport): string {
  const lines: string[] = [];
  for (const o of r.objects) {
    if (o.result === 'in-sync' && o.unknown.length === 0) continue;
    const head = `${o.kind}/${o.name}`;
    switch (o.result) {
      case 'delete':
        lines.push(`${head}: would be deleted (its document left the source)`);
        continue;
      case 'suspended':
        lines.push(`${head}: suspended (pxr/suspend), not planned`);
        continue;
      case 'error':
        lines.push(`${head}: error: ${o.error ?? 'unknown'}`);
        continue;
      default:
        break;
    }
    lines.push(o.result === 'in-sync' ? `${head}: in sync` : head);
    for (const c of o.changes) {
      lines.push(...changeLine(c, c.field === 'exists' ? '+' : '~', c.drift ? '  (drift)' : ''));
    }
    for (const c of o.held) {
      lines.push(...changeLine(c, '!', '  (drift; pxr/drift: alert — reported, not corrected)'));
    }
    for (const f of o.unknown) lines.push(`  ? ${f}: unknown (cannot be read back)`);
    if (o.waiting !== undefined) lines.push(`  … ${o.waiting}`);
  }
  if (r.pruneRefused !== undefined) lines.push(`prune refused: ${r.pruneRefused}`);
  const s = r.summary;
  const parts = [
    `${s.change} to change`,
    `${s['in-sync']} in sync`,
    ...(s.waiting ? [`${s.waiting} waiting`] : []),
    ...(s.delete ? [`${s.delete} to delete`] : []),
    ...(s.suspended ? [`${s.suspended} suspended`] : []),
    `${s.error} error${s.error === 1 ? '' : 's'}`,
  ];
  lines.push(parts.join(', '));
  return `${lines.join('\n')}\n`;
}
