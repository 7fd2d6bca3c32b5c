/**
 * Write-ahead ownership of Proxmox objects, backed by the store's inventory (synchronous SQLite
 * writes, so a record is durable before the call that creates the object is sent). Records bind to
 * the object's uid, never to its name alone: a re-created object with the same name is a different
 * owner (ARCHITECTURE §2).
 *
 * Protocol for a reconciler: `claim` BEFORE the create call (a crash after the call then finds the
 * object already owned instead of "someone else's"), `release` only after the object is confirmed
 * gone. A claim whose create never happened is harmless: the next pass re-creates or releases it.
 */
import type { Clock } from './clock.js';
import { PxrError } from './errors.js';
import type { Ownership, ResourceRef, StoredObject } from './kind.js';
import type { InventoryPort } from './store-port.js';

export type { Ownership, ResourceRef } from './kind.js';

/** The ownership API for the objects of one reconcile group. */
export function inventoryOwnership(
  inventory: InventoryPort,
  objs: readonly StoredObject[],
  clock: Clock,
): Ownership {
  const byName = new Map(objs.map((o) => [o.name, o]));
  const objOf = (name: string): StoredObject => {
    const obj = byName.get(name);
    if (!obj) {
      // Ownership is per group: claiming for an object outside it would bind to an unknown uid.
      throw new PxrError('OWNERSHIP_UNKNOWN_OBJECT', `${name} is not an object of this reconcile`, {
        context: { name, group: [...byName.keys()] },
      });
    }
    return obj;
  };
  const ref = (r: ResourceRef): ResourceRef => ({
    resourceType: r.resourceType,
    node: r.node,
    resourceId: r.resourceId,
  });
  return {
    claim(name, res) {
      const obj = objOf(name);
      inventory.record({ kind: obj.kind, name: obj.name, uid: obj.uid }, ref(res), clock.now());
    },
    owns(name, res) {
      return inventory.owns(objOf(name).uid, res);
    },
    release(name, res) {
      if (!inventory.owns(objOf(name).uid, res)) return false;
      return inventory.remove(res);
    },
    owned(name) {
      return inventory.listByOwner(objOf(name).uid).map(ref);
    },
  };
}
