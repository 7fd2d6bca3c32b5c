/**
 * Every kind pxr knows, as plain definitions (schema, semantic checks, CLI names and columns,
 * watches), each in its own folder (`<kind>/definition.ts`). Reconcilers are attached later by the
 * composition root, which has the Proxmox client and the clock. A new kind plugs in by adding its
 * folder and one entry here; the CLI and the source loop over these definitions.
 */
import type { KindDefinition } from '../core/kind.js';
import { bridgeKind } from './bridge/definition.js';
import { applianceKind } from './appliance/definition.js';
import { appContainerKind } from './app-container/definition.js';

/**
 * The kinds in dependency order (a kind comes after the kinds it depends on). Returns fresh objects
 * so a caller attaching a reconciler never mutates another caller's definitions.
 */
export function kindDefinitions(): KindDefinition[] {
  return [bridgeKind, applianceKind, appContainerKind].map((k) => ({ ...k }));
}
