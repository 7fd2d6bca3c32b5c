/** Read models for the CLI (`pxr get`, `describe`, `events`); no writes. */
import type { ObjectRef } from '../core/kind.js';
import type { ObjectView } from '../core/object-view.js';
import type { DriftRecord, DriftRepo } from './drift-repo.js';
import type { EventRecord, EventsRepo } from './events-repo.js';
import type { HistoryRecord, HistoryRepo } from './history-repo.js';
import type { InventoryRecord, InventoryRepo } from './inventory-repo.js';
import type { ObjectsRepo } from './objects-repo.js';
import { emptyStatus, type StatusRepo } from './status-repo.js';

export type { ObjectView };

export interface ObjectDetails extends ObjectView {
  /** Newest first. */
  events: EventRecord[];
  /** Newest first. */
  history: HistoryRecord[];
  /** Newest first, open and resolved. */
  drift: DriftRecord[];
  inventory: InventoryRecord[];
}

export interface QueryRepos {
  objects: ObjectsRepo;
  status: StatusRepo;
  events: EventsRepo;
  history: HistoryRepo;
  drift: DriftRepo;
  inventory: InventoryRepo;
}

export function listObjectViews(r: QueryRepos, kind?: string): ObjectView[] {
  const drift = r.drift.openCounts();
  return r.objects.list(kind).map((object) => ({
    object,
    status: r.status.get(object) ?? emptyStatus(),
    openDrift: drift.get(`${object.kind}/${object.name}`) ?? 0,
  }));
}

export function describeObject(
  r: QueryRepos,
  ref: ObjectRef,
  limits: { events?: number; history?: number; drift?: number } = {},
): ObjectDetails | undefined {
  const object = r.objects.get(ref);
  if (!object) return undefined;
  return {
    object,
    status: r.status.get(ref) ?? emptyStatus(),
    openDrift: r.drift.open(ref).length,
    events: r.events.list({ ref, limit: limits.events ?? 50 }),
    history: r.history.list(ref, limits.history ?? 20),
    drift: r.drift.list(ref, limits.drift ?? 50),
    inventory: r.inventory.listByOwner(object.uid),
  };
}
