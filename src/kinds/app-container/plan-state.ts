/**
 * What a container's plan hands to its apply (ObjectPlan.state): the pass as planning left it
 * (observed facts, events, ownership decided but not yet carried out) and the step apply resumes at.
 * Apply reads nothing plan has read already, so a converged pass still costs one Proxmox call.
 */
import type { ObjectOutcome, ObjectPlan } from '../../core/kind.js';
import type { LxcConfigRead } from '../../pve/lxc.js';
import type { ConfigPlan, FieldChange } from './diff.js';
import type { GuestEntry } from './observe-cache.js';
import type { Pass } from './pass.js';

export interface Located {
  vmid: number;
  node: string;
  entry: GuestEntry | undefined;
  /** Whether `entry` was read after pxr last changed this container. */
  entryFresh: boolean;
  read: LxcConfigRead;
}

/** What plan found about a container that exists and is ours. */
export interface ConvergeFacts {
  config: ConfigPlan;
  /** Create-only differences (template, node, vmid, storage, unprivileged). */
  replace: FieldChange[];
  /** Power state as plan knows it, and whether it was asked fresh (not from the shared list). */
  status: string | undefined;
  statusFresh: boolean;
  /** Every field plan found different (admitted or not): a re-plan after a digest mismatch. */
  planned: string[];
  /** Differences are drift (the spec had converged). */
  isDrift: boolean;
}

export type Step =
  /** Nothing to change: a wait or a bookkeeping result; apply returns it. */
  | { kind: 'outcome'; extra: ObjectOutcome }
  /** Failed after deciding ownership changes: apply carries those out, then fails. */
  | { kind: 'error'; error: Error }
  /** Absent: create (at `vmid` when known), the `exists` change. */
  | { kind: 'create'; vmid?: number }
  | { kind: 'converge'; loc: Located; facts: ConvergeFacts };

export interface CtState {
  pass: Pass;
  step: Step;
}

export type CtPlan = ObjectPlan<CtState>;

export function isCtState(v: unknown): v is CtState {
  return typeof v === 'object' && v !== null && 'pass' in v && 'step' in v;
}
