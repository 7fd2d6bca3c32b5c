/**
 * The ObjectReader over the store that every reconcile context and watch map gets: desired state
 * as ingested and status as last recorded. Reads only; kinds never write the store themselves.
 */
import type { ObjectReader, ObjectStatusView, StoredObject } from './kind.js';
import { isConditionTrue } from './conditions.js';
import type { StorePort } from './store-port.js';
import { emptyStatus } from './store-port.js';

function hasLabels(obj: StoredObject, selector: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => obj.labels[k] === v);
}

export function storeReader(store: StorePort): ObjectReader {
  return {
    get: (ref) => store.objects.get(ref),
    list: (kind, selector) => {
      const all = store.objects.list(kind);
      return selector ? all.filter((o) => hasLabels(o, selector)) : all;
    },
    getStatus: (ref): ObjectStatusView | undefined => {
      const obj = store.objects.get(ref);
      if (!obj) return undefined;
      const st = store.status.get(ref) ?? emptyStatus();
      return {
        ready:
          isConditionTrue(st.conditions, 'Ready') &&
          st.observedGeneration >= obj.generation &&
          !obj.deletionRequested,
        observedGeneration: st.observedGeneration,
        conditions: st.conditions,
        observed: st.observed,
      };
    },
  };
}
