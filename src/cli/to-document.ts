/** An object and its status as one Kubernetes-style document, for `-o json|yaml`. */
import type { ObjectView } from '../store/queries.js';

export function toDocument(v: ObjectView): Record<string, unknown> {
  const o = v.object;
  return {
    apiVersion: 'pxr/v1alpha1',
    kind: o.kind,
    metadata: {
      name: o.name,
      uid: o.uid,
      generation: o.generation,
      labels: o.labels,
      annotations: o.annotations,
      source: { file: o.sourceFile, ...(o.revision ? { revision: o.revision } : {}) },
      createdAt: new Date(o.createdAt).toISOString(),
      ...(o.deletionRequested ? { deletionRequested: true, finalizers: o.finalizers } : {}),
    },
    spec: o.spec,
    status: {
      observedGeneration: v.status.observedGeneration,
      conditions: v.status.conditions.map((c) => ({
        ...c,
        lastTransitionTime: new Date(c.lastTransitionTime).toISOString(),
      })),
      observed: v.status.observed,
      openDrift: v.openDrift,
      ...(v.status.lastResult ? { lastResult: v.status.lastResult } : {}),
      ...(v.status.sourceInvalid ? { sourceInvalid: true } : {}),
    },
  };
}
