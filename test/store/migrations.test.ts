import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ManualClock } from '../../src/core/clock.js';
import { PxrError } from '../../src/core/errors.js';
import { migrate, migrations, SCHEMA_VERSION, schemaVersion } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/store.js';
import { tempDir } from './helpers.js';

describe('migrations', () => {
  test('a fresh database is migrated to the latest user_version', () => {
    const db = new Database(':memory:');
    assert.equal(migrate(db), SCHEMA_VERSION);
    assert.equal(schemaVersion(db), migrations.at(-1)?.version);
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((r) => (r as { name: string }).name);
    for (const t of [
      'alert_outbox',
      'drift',
      'events',
      'history',
      'inventory',
      'objects',
      'status',
    ]) {
      assert.ok(tables.includes(t), `table ${t} exists`);
    }
  });

  test('running migrations again is a no-op that keeps data', () => {
    const db = new Database(':memory:');
    migrate(db);
    db.prepare("INSERT INTO meta (key, value) VALUES ('k', 'v')").run();
    const before = db.prepare('SELECT total_changes() AS n').get() as { n: number };
    assert.equal(migrate(db), SCHEMA_VERSION);
    const after = db.prepare('SELECT total_changes() AS n').get() as { n: number };
    assert.equal(after.n, before.n);
    assert.deepEqual(db.prepare('SELECT value FROM meta').get(), { value: 'v' });
  });

  test('reopening a file store keeps its data and version', () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'sub', 'pxr.db');
      const clock = new ManualClock();
      const s1 = openStore(path, { clock });
      s1.meta.set('x', '1');
      s1.close();
      const s2 = openStore(path, { clock });
      assert.equal(s2.meta.get('x'), '1');
      assert.equal(schemaVersion(s2.db), SCHEMA_VERSION);
      assert.equal(s2.db.pragma('journal_mode', { simple: true }), 'wal');
      s2.close();
    } finally {
      cleanup();
    }
  });

  test('a database newer than this pxr is refused with STORE_SCHEMA_TOO_NEW', () => {
    const db = new Database(':memory:');
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    assert.throws(
      () => migrate(db),
      (e: unknown) => e instanceof PxrError && e.code === 'STORE_SCHEMA_TOO_NEW',
    );
  });

  test('a failing migration rolls back together with its version bump', () => {
    const db = new Database(':memory:');
    const list = [
      { version: 1, name: 'ok', sql: 'CREATE TABLE a (x INTEGER);' },
      { version: 2, name: 'broken', sql: 'CREATE TABLE b (x INTEGER); CREATE TABLE a (y);' },
    ];
    assert.throws(() => migrate(db, list));
    assert.equal(schemaVersion(db), 1);
    const b = db.prepare("SELECT name FROM sqlite_master WHERE name = 'b'").get();
    assert.equal(b, undefined);
  });
});
