/**
 * A kind as the composition root uses it: its definition (schema, checks, CLI names, columns,
 * watches — what the CLI and the source need) plus a factory that builds its reconciler from the
 * shared dependencies. The composition root loops over the registry; nothing outside a kind's folder
 * names it. `tuning` carries per-kind overrides by kind name (tests shorten polling, swap transports).
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { KindDefinition, ObjectReader, Reconciler, StoredObject } from '../core/kind.js';
import type { PveClient } from '../pve/types.js';

export interface KindDeps {
  pve: PveClient;
  clock: Clock;
  log: Logger;
  /** pxr's data directory (beside the database; undefined with `:memory:`): kinds keep key files there. */
  dataDir?: string;
  /**
   * One instance per composition root, shared by every kind that asks with the same key (the LXC
   * machinery's observation cache and VMID allocator serve AppContainer and Appliance alike).
   */
  shared<T>(key: string, create: () => T): T;
}

/** A live view of an object that `pxr describe` computes from Proxmox (reads only). */
export interface Inspection {
  /** Section heading, e.g. `Reachability`. */
  title: string;
  /** The human text, as `pxr describe` prints it under the heading. */
  text: string;
  /** The same, JSON-serialisable, for `pxr describe -o json`. */
  json: unknown;
}

export interface KindModule<Spec = Record<string, unknown>> extends KindDefinition<Spec> {
  /** `pxr describe`'s live section for this kind, computed from Proxmox when one is configured. */
  inspect?(
    obj: StoredObject<Spec>,
    deps: { pve: PveClient; reader: ObjectReader },
  ): Promise<Inspection>;
  /** `tuning`: this kind's entry of the composition root's overrides ({} when none). */
  createReconciler(deps: KindDeps, tuning: Readonly<Record<string, unknown>>): Reconciler<Spec>;
}

export function createKindDeps(
  pve: PveClient,
  clock: Clock,
  log: Logger,
  dataDir?: string,
): KindDeps {
  const shared = new Map<string, unknown>();
  return {
    pve,
    clock,
    log,
    ...(dataDir === undefined ? {} : { dataDir }),
    shared: <T>(key: string, create: () => T): T => {
      if (!shared.has(key)) shared.set(key, create());
      return shared.get(key) as T;
    },
  };
}
