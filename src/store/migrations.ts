import type { Database } from 'better-sqlite3';
import { PxrError } from '../core/errors.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Ordered schema migrations; `PRAGMA user_version` records the last one applied. Never edit a
 * released entry: append a new one.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE objects (
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  uid TEXT NOT NULL UNIQUE,
  generation INTEGER NOT NULL,
  spec TEXT NOT NULL,
  spec_hash TEXT NOT NULL,
  labels TEXT NOT NULL,
  annotations TEXT NOT NULL,
  source_file TEXT NOT NULL,
  revision TEXT,
  deletion_requested INTEGER NOT NULL DEFAULT 0,
  finalizers TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (kind, name)
) WITHOUT ROWID;

CREATE TABLE status (
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  conditions TEXT NOT NULL DEFAULT '[]',
  observed_generation INTEGER NOT NULL DEFAULT 0,
  observed TEXT NOT NULL DEFAULT '{}',
  stalled_generation INTEGER,
  last_reconcile_at INTEGER,
  last_result TEXT,
  source_invalid INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (kind, name)
) WITHOUT ROWID;

CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('Normal', 'Warning')),
  reason TEXT NOT NULL,
  message TEXT NOT NULL,
  count INTEGER NOT NULL DEFAULT 1,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL
);
CREATE UNIQUE INDEX events_dedup ON events (kind, name, type, reason, message);
CREATE INDEX events_seq ON events (seq);
CREATE INDEX events_object ON events (kind, name, seq);

CREATE TABLE history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  reconcile_id TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  result TEXT NOT NULL CHECK (result IN ('ok', 'error', 'requeue', 'stalled')),
  actions TEXT NOT NULL DEFAULT '[]',
  error TEXT
);
CREATE INDEX history_object ON history (kind, name, id);

CREATE TABLE drift (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  field TEXT NOT NULL,
  desired TEXT NOT NULL,
  actual TEXT NOT NULL,
  detected_at INTEGER NOT NULL,
  resolved_at INTEGER,
  corrected INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX drift_open ON drift (kind, name, field) WHERE resolved_at IS NULL;
CREATE INDEX drift_object ON drift (kind, name, id);

CREATE TABLE alert_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL UNIQUE,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  acknowledged_at INTEGER
);
CREATE INDEX alert_outbox_due ON alert_outbox (next_attempt_at) WHERE acknowledged_at IS NULL;

CREATE TABLE inventory (
  resource_type TEXT NOT NULL,
  node TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  uid TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (resource_type, node, resource_id)
) WITHOUT ROWID;
CREATE INDEX inventory_owner ON inventory (uid);

CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
`,
  },
  {
    version: 2,
    name: 'alert deliveries per sink',
    sql: `
CREATE TABLE alert_delivery (
  sink TEXT NOT NULL,
  key TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'sent')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  queued_at INTEGER NOT NULL,
  sent_at INTEGER,
  PRIMARY KEY (sink, key)
) WITHOUT ROWID;
CREATE INDEX alert_delivery_pending ON alert_delivery (sink, next_attempt_at) WHERE state = 'pending';
`,
  },
];

export const SCHEMA_VERSION: number = migrations[migrations.length - 1]?.version ?? 0;

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies every migration newer than the file's `user_version`, each in its own transaction together
 * with the version bump, so a crash never leaves a half-migrated file. Running it again is a no-op.
 * Returns the resulting version.
 */
export function migrate(db: Database, list: readonly Migration[] = migrations): number {
  const current = schemaVersion(db);
  const latest = list[list.length - 1]?.version ?? 0;
  if (current > latest) {
    throw new PxrError(
      'STORE_SCHEMA_TOO_NEW',
      `database schema version ${current} is newer than this pxr (${latest})`,
      { context: { current, latest } },
    );
  }
  for (const m of list) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return schemaVersion(db);
}
