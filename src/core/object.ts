/**
 * What every part of pxr says about a stored object: its identity, desired state, conditions, and
 * the Proxmox objects it owns. The ground floor of core (no imports), so the kind contract, the
 * store port and the CLI views all build on it without importing one another in a circle.
 */

/** A Proxmox object pxr created, e.g. `{ resourceType: 'lxc', node: 'pve1', resourceId: '105' }`. */
export interface ResourceRef {
  resourceType: string;
  node: string;
  resourceId: string;
}

export interface Ownership {
  /**
   * Records that object `objName` owns `res` (idempotent). Throws `INVENTORY_CONFLICT` when another
   * object (another uid) owns it: ownership is never silently taken over.
   */
  claim(objName: string, res: ResourceRef): void;
  /** Whether object `objName` (by its uid) owns `res`. */
  owns(objName: string, res: ResourceRef): boolean;
  /** Drops the record if `objName` owns `res`; returns whether one was dropped. */
  release(objName: string, res: ResourceRef): boolean;
  /** Everything object `objName` owns. */
  owned(objName: string): ResourceRef[];
}

export interface ObjectRef {
  kind: string;
  name: string;
}

/** An object as stored: desired state plus identity. */
export interface StoredObject<Spec = Record<string, unknown>> {
  kind: string;
  name: string;
  /** Stable id, created once, never reused (ownership markers bind to it). */
  uid: string;
  generation: number;
  specHash: string;
  spec: Spec;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  sourceFile: string;
  revision?: string;
  /** Set when the document disappeared from the source and pruning was allowed. */
  deletionRequested: boolean;
  finalizers: string[];
}

export type ConditionType = 'Ready' | 'Reconciling' | 'Stalled' | 'Drifted' | (string & {});

export interface Condition {
  type: ConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  /** ms since epoch */
  lastTransitionTime: number;
}
