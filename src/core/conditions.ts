/**
 * Condition helpers (the Kubernetes `meta.SetStatusCondition` rules): setting a condition keeps its
 * `lastTransitionTime` unless its status flips, so re-asserting the same state changes nothing and a
 * converged pass writes nothing.
 */
import type { Condition, ConditionType } from './kind.js';

export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

export function getCondition(
  list: readonly Condition[],
  type: ConditionType,
): Condition | undefined {
  return list.find((c) => c.type === type);
}

export function isConditionTrue(list: readonly Condition[], type: ConditionType): boolean {
  return getCondition(list, type)?.status === 'True';
}

/** Returns a new list with `c` set; order is kept, new types are appended. */
export function setCondition(
  list: readonly Condition[],
  c: ConditionInput,
  now: number,
): Condition[] {
  const prev = getCondition(list, c.type);
  const next: Condition = {
    type: c.type,
    status: c.status,
    reason: c.reason,
    message: c.message,
    lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : now,
  };
  if (!prev) return [...list, next];
  return list.map((x) => (x.type === c.type ? next : x));
}

export function removeCondition(list: readonly Condition[], type: ConditionType): Condition[] {
  return list.filter((c) => c.type !== type);
}
