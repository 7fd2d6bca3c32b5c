import { randomUUID } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import { statementCache } from './statements.js';
import type { ObjectRef, StoredObject } from '../core/kind.js';
import { canonicalJson, specHash } from './canonical-json.js';
import { parseColumn } from './json-column.js';
import type { ObjectInput } from '../core/store-port.js';

export type { ObjectInput };

/** A stored object plus its bookkeeping times (ms since epoch). */
export interface ObjectRecord extends StoredObject {
  createdAt: number;
  updatedAt: number;
}

interface ObjectRow {
  kind: string;
  name: string;
  uid: string;
  generation: number;
  spec: string;
  spec_hash: string;
  labels: string;
  annotations: string;
  source_file: string;
  revision: string | null;
  deletion_requested: number;
  finalizers: string;
  created_at: number;
  updated_at: number;
}

function toRecord(r: ObjectRow): ObjectRecord {
  const key = `${r.kind}/${r.name}`;
  const rec: ObjectRecord = {
    kind: r.kind,
    name: r.name,
    uid: r.uid,
    generation: r.generation,
    specHash: r.spec_hash,
    spec: parseColumn(r.spec, 'objects', 'spec', key),
    labels: parseColumn(r.labels, 'objects', 'labels', key),
    annotations: parseColumn(r.annotations, 'objects', 'annotations', key),
    sourceFile: r.source_file,
    deletionRequested: r.deletion_requested === 1,
    finalizers: parseColumn(r.finalizers, 'objects', 'finalizers', key),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
  if (r.revision !== null) rec.revision = r.revision;
  return rec;
}

/** The desired state of every object pxr manages, keyed by (kind, name). */
export class ObjectsRepo {
  private readonly getStmt: Statement<[string, string], ObjectRow>;
  private readonly listAllStmt: Statement<[], ObjectRow>;
  private readonly listKindStmt: Statement<[string], ObjectRow>;

  private readonly sql: (sql: string) => Statement;
  private writes = 0;

  constructor(private readonly db: Database) {
    this.sql = statementCache(db);
    this.getStmt = db.prepare('SELECT * FROM objects WHERE kind = ? AND name = ?');
    this.listAllStmt = db.prepare('SELECT * FROM objects ORDER BY kind, name');
    this.listKindStmt = db.prepare('SELECT * FROM objects WHERE kind = ? ORDER BY name');
  }

  /**
   * Bumped by every insert, source update and delete made through this repository (the only writer):
   * callers cache derived indexes (controllers' group membership) against it.
   */
  get version(): number {
    return this.writes;
  }

  get(ref: ObjectRef): ObjectRecord | undefined {
    const row = this.getStmt.get(ref.kind, ref.name);
    return row ? toRecord(row) : undefined;
  }

  list(kind?: string): ObjectRecord[] {
    const rows = kind === undefined ? this.listAllStmt.all() : this.listKindStmt.all(kind);
    return rows.map(toRecord);
  }

  count(): number {
    return (this.sql('SELECT count(*) AS n FROM objects').get() as { n: number }).n;
  }

  /** Creates the object with a fresh uid and generation 1. */
  insert(input: ObjectInput, now: number): ObjectRecord {
    this.sql(
      `INSERT INTO objects (kind, name, uid, generation, spec, spec_hash, labels, annotations,
           source_file, revision, deletion_requested, finalizers, created_at, updated_at)
         VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
    ).run(
      input.kind,
      input.name,
      randomUUID(),
      canonicalJson(input.spec),
      specHash(input.spec),
      canonicalJson(input.labels),
      canonicalJson(input.annotations),
      input.sourceFile,
      input.revision ?? null,
      JSON.stringify(input.finalizers ?? []),
      now,
      now,
    );
    this.writes++;
    return this.mustGet(input);
  }

  /**
   * Updates what the source says; bumps the generation only when the spec hash changes (labels,
   * annotations, file or revision alone do not). Writes nothing when nothing differs.
   * Returns what changed, or `undefined` when nothing was written. `metaChanged` covers labels and
   * annotations (they steer reconcilers, e.g. the drift policy); file/revision moves are neither.
   */
  updateFromSource(
    input: ObjectInput,
    now: number,
  ): { specChanged: boolean; metaChanged: boolean } | undefined {
    const cur = this.mustGet(input);
    const hash = specHash(input.spec);
    const labels = canonicalJson(input.labels);
    const annotations = canonicalJson(input.annotations);
    const specChanged = hash !== cur.specHash;
    const metaChanged =
      labels !== canonicalJson(cur.labels) || annotations !== canonicalJson(cur.annotations);
    const same =
      !specChanged &&
      !metaChanged &&
      input.sourceFile === cur.sourceFile &&
      (input.revision ?? null) === (cur.revision ?? null);
    if (same) return undefined;
    this.sql(
      `UPDATE objects SET generation = generation + ?, spec = ?, spec_hash = ?, labels = ?,
           annotations = ?, source_file = ?, revision = ?, updated_at = ?
         WHERE kind = ? AND name = ?`,
    ).run(
      specChanged ? 1 : 0,
      canonicalJson(input.spec),
      hash,
      labels,
      annotations,
      input.sourceFile,
      input.revision ?? null,
      now,
      input.kind,
      input.name,
    );
    this.writes++;
    return { specChanged, metaChanged };
  }

  /** Returns whether anything was written. */
  setDeletionRequested(ref: ObjectRef, requested: boolean, now: number): boolean {
    const r = this.sql(
      `UPDATE objects SET deletion_requested = ?, updated_at = ?
         WHERE kind = ? AND name = ? AND deletion_requested != ?`,
    ).run(requested ? 1 : 0, now, ref.kind, ref.name, requested ? 1 : 0);
    return r.changes > 0;
  }

  setFinalizers(ref: ObjectRef, finalizers: string[], now: number): void {
    this.sql('UPDATE objects SET finalizers = ?, updated_at = ? WHERE kind = ? AND name = ?').run(
      JSON.stringify(finalizers),
      now,
      ref.kind,
      ref.name,
    );
  }

  delete(ref: ObjectRef): boolean {
    this.writes++;
    return (
      this.sql('DELETE FROM objects WHERE kind = ? AND name = ?').run(ref.kind, ref.name).changes >
      0
    );
  }

  /** Number of objects of these kinds waiting for deletion (deletion ordering across kinds). */
  countPendingDeletion(kinds: readonly string[]): number {
    if (kinds.length === 0) return 0;
    const marks = kinds.map(() => '?').join(', ');
    const row = this.sql(
      `SELECT count(*) AS n FROM objects WHERE deletion_requested = 1 AND kind IN (${marks})`,
    ).get(...kinds) as { n: number };
    return row.n;
  }

  private mustGet(ref: ObjectRef): ObjectRecord {
    const rec = this.get(ref);
    if (!rec) throw new Error(`object ${ref.kind}/${ref.name} vanished inside a transaction`);
    return rec;
  }
}
