import type { Database, Statement } from 'better-sqlite3';
import { statementCache } from './statements.js';
import { PxrError } from '../core/errors.js';
import type { ResourceRef } from '../core/kind.js';
import type { InventoryPort, InventoryRecord } from '../core/store-port.js';

export type { InventoryRecord, ResourceRef };

interface InventoryRow {
  resource_type: string;
  node: string;
  resource_id: string;
  kind: string;
  name: string;
  uid: string;
  created_at: number;
}

function toRecord(r: InventoryRow): InventoryRecord {
  return {
    resourceType: r.resource_type,
    node: r.node,
    resourceId: r.resource_id,
    kind: r.kind,
    name: r.name,
    uid: r.uid,
    createdAt: r.created_at,
  };
}

/** Ownership of Proxmox objects pxr created. */
export class InventoryRepo implements InventoryPort {
  private readonly sql: (sql: string) => Statement;

  constructor(private readonly db: Database) {
    this.sql = statementCache(db);
  }

  /**
   * Records ownership. Re-recording for the same owner is a no-op (keeps createdAt); a resource
   * already owned by another uid is a conflict, never silently taken over.
   */
  record(owner: { kind: string; name: string; uid: string }, res: ResourceRef, now: number): void {
    const cur = this.find(res);
    if (cur) {
      if (cur.uid === owner.uid) return;
      throw new PxrError(
        'INVENTORY_CONFLICT',
        `${res.resourceType} ${res.resourceId} on ${res.node} is owned by ${cur.kind}/${cur.name}`,
        {
          context: {
            ...res,
            owner: `${cur.kind}/${cur.name}`,
            claimant: `${owner.kind}/${owner.name}`,
          },
        },
      );
    }
    this.sql(
      `INSERT INTO inventory (resource_type, node, resource_id, kind, name, uid, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(res.resourceType, res.node, res.resourceId, owner.kind, owner.name, owner.uid, now);
  }

  find(res: ResourceRef): InventoryRecord | undefined {
    const row = this.sql(
      'SELECT * FROM inventory WHERE resource_type = ? AND node = ? AND resource_id = ?',
    ).get(res.resourceType, res.node, res.resourceId) as InventoryRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** Whether the object with this uid owns the resource. */
  owns(uid: string, res: ResourceRef): boolean {
    return this.find(res)?.uid === uid;
  }

  listByOwner(uid: string): InventoryRecord[] {
    const rows = this.sql(
      'SELECT * FROM inventory WHERE uid = ? ORDER BY resource_type, node, resource_id',
    ).all(uid) as InventoryRow[];
    return rows.map(toRecord);
  }

  list(): InventoryRecord[] {
    const rows = this.sql(
      'SELECT * FROM inventory ORDER BY resource_type, node, resource_id',
    ).all() as InventoryRow[];
    return rows.map(toRecord);
  }

  remove(res: ResourceRef): boolean {
    return (
      this.sql(
        'DELETE FROM inventory WHERE resource_type = ? AND node = ? AND resource_id = ?',
      ).run(res.resourceType, res.node, res.resourceId).changes > 0
    );
  }

  /** Drops every ownership record of `uid` (the object was orphaned: pxr stops managing it). */
  removeByOwner(uid: string): number {
    return this.sql('DELETE FROM inventory WHERE uid = ?').run(uid).changes;
  }
}
