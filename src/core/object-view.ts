/**
 * An object with its status and open drift as the CLI reads them, and the printer columns a kind
 * declares over it (like a CRD's `additionalPrinterColumns`). Kept in core so that kinds describe
 * their columns without depending on the store that produces the views (`src/store/queries.ts`).
 */
import type { ObjectRef, StoredObject } from './object.js';
import type { StatusRecord } from './store-port.js';

export interface ObjectView {
  /** The stored object with its bookkeeping times (ms since epoch). */
  object: StoredObject & { createdAt: number; updatedAt: number };
  /** An object never reconciled yet has an empty status (no conditions). */
  status: StatusRecord;
  openDrift: number;
}

/** Other objects' views, for a column that shows something of another object (a member's LAN bridge). */
export type ViewLookup = (ref: ObjectRef) => ObjectView | undefined;

/** One column of `pxr get <kind>`, shown after NAME and before the common status columns. */
export interface PrinterColumn {
  header: string;
  /** Shown only with `-o wide`. */
  wide?: boolean;
  /** The cell text; reads only the store (no Proxmox call). */
  value(v: ObjectView, lookup: ViewLookup): string;
}
