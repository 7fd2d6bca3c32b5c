/**
 * A finalized (deleted) object's alerts that still fire are resolved (reason Deleted), on the
 * real SQLite store; resolved ones are left alone, and other objects' alerts too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outcomeAlertTransitions } from '../../src/core/alert-transitions.js';
import { ManualClock } from '../../src/core/clock.js';
import { applySnapshot } from '../../src/core/ingest.js';
import { recordFinalized } from '../../src/core/record-pass.js';
import { openStore } from '../../src/store/store.js';
import { doc, snap } from './helpers.js';

test('deleting an object resolves its firing alerts, not those of others', () => {
  const store = openStore(':memory:', { clock: new ManualClock() });
  applySnapshot(store, snap([doc('Bridge', 'a'), doc('Bridge', 'ab')]));
  const a = store.objects.get({ kind: 'Bridge', name: 'a' })!;
  const ab = store.objects.get({ kind: 'Bridge', name: 'ab' })!;
  const alert = (key: string, on: boolean) => ({
    key,
    firing: on,
    severity: 'warning' as const,
    reason: on ? 'Bad' : 'Fine',
    message: key,
  });
  outcomeAlertTransitions(store, a, [alert('certificate-overdue', true)], 1000);
  outcomeAlertTransitions(store, a, [alert('certificate-expired', true)], 1000);
  outcomeAlertTransitions(store, a, [alert('certificate-expired', false)], 2000);
  outcomeAlertTransitions(store, ab, [alert('certificate-overdue', true)], 1000);
  recordFinalized(store, a, 3000);
  const resolved = store.alerts.get('certificate-overdue/Bridge/a/resolved');
  assert.equal(resolved?.payload['reason'], 'Deleted');
  assert.equal(
    store.alerts.get('certificate-expired/Bridge/a/resolved')?.payload['reason'],
    'Fine',
  );
  assert.equal(store.alerts.get('certificate-overdue/Bridge/ab/resolved'), undefined);
  store.close();
});
