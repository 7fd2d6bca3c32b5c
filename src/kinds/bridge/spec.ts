/** The Bridge spec type, derived from the schema (single source of truth, owned by `schema.ts`). */
import type { BridgeSpec } from './schema.js';

export type { BridgeSpec };

/** A spec before or after defaults: the pure functions apply pxr's defaults themselves. */
export type BridgeSpecInput = Pick<BridgeSpec, 'node' | 'iface'> & Partial<BridgeSpec>;
