/** Events about the manifests folder itself (PruneRefused, InvalidManifest) can be filtered like any object's. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/clock.js';
import { SOURCE_REF } from '../../src/core/ingest.js';
import { runCli } from '../helpers/cli.js';
import { openStore } from '../../src/store/store.js';

const dir = mkdtempSync(join(tmpdir(), 'pxr-cli-events-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('pxr events --for source/manifests', () => {
  test('lists the events of the source pseudo-object as `pxr events` names it', async () => {
    const db = join(dir, 'pxr.db');
    const store = openStore(db, { clock: new ManualClock() });
    store.events.record(
      SOURCE_REF,
      { type: 'Warning', reason: 'PruneRefused', message: 'source is empty' },
      Date.UTC(2026, 0, 1),
    );
    store.events.record(
      { kind: 'Bridge', name: 'a' },
      { type: 'Normal', reason: 'Ready', message: 'ok' },
      Date.UTC(2026, 0, 1),
    );
    store.close();
    const { code, out, err } = await runCli(
      ['events', '--for', 'source/manifests', '--db', db],
      dir,
    );
    assert.equal(code, 0, err);
    assert.match(out, /PruneRefused\s+source\/manifests/);
    assert.doesNotMatch(out, /bridge\/a/);
  });
});
