import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applySnapshot, SOURCE_REF } from '../../src/core/ingest.js';
import { ManualClock } from '../../src/core/clock.js';
import { openStore, type Store } from '../../src/store/store.js';
import { doc, snap } from './helpers.js';

function fresh(): Store {
  return openStore(':memory:', { clock: new ManualClock() });
}

const names = (refs: { kind: string; name: string }[]): string[] =>
  refs.map((r) => `${r.kind}/${r.name}`).sort();

describe('applySnapshot', () => {
  test('new documents are inserted at generation 1 and reported as changed', () => {
    const store = fresh();
    const res = applySnapshot(store, snap([doc('Bridge', 'a', { mtu: 1500 }), doc('Bridge', 'b')]));
    assert.deepEqual(names(res.changed), ['Bridge/a', 'Bridge/b']);
    assert.equal(res.inserted, 2);
    const a = store.objects.get({ kind: 'Bridge', name: 'a' });
    assert.equal(a?.generation, 1);
    assert.deepEqual(a?.finalizers, ['pxr/cleanup']);
    assert.equal(a?.sourceFile, 'a.yaml');
  });

  test('an unchanged snapshot writes nothing and changes nothing', () => {
    const store = fresh();
    const s = snap([doc('Bridge', 'a', { mtu: 1500, ports: ['eth0'] })]);
    applySnapshot(store, s);
    const before = store.totalChanges();
    const reordered = snap([doc('Bridge', 'a', { ports: ['eth0'], mtu: 1500 })]);
    const res = applySnapshot(store, reordered);
    assert.deepEqual(res.changed, []);
    assert.equal(store.totalChanges(), before);
  });

  test('a spec change bumps the generation; a label change updates without a bump', () => {
    const store = fresh();
    applySnapshot(store, snap([doc('Bridge', 'a', { mtu: 1500 })]));
    const r1 = applySnapshot(
      store,
      snap([doc('Bridge', 'a', { mtu: 1500 }, { labels: { t: 'x' } })]),
    );
    assert.deepEqual(names(r1.changed), ['Bridge/a']);
    assert.equal(store.objects.get({ kind: 'Bridge', name: 'a' })?.generation, 1);
    const r2 = applySnapshot(
      store,
      snap([doc('Bridge', 'a', { mtu: 9000 }, { labels: { t: 'x' } })]),
    );
    assert.deepEqual(names(r2.changed), ['Bridge/a']);
    assert.equal(r2.previous[0]?.spec.mtu, 1500);
    assert.equal(store.objects.get({ kind: 'Bridge', name: 'a' })?.generation, 2);
  });

  test('objects of an invalid file are kept and marked SourceInvalid until the file is valid again', () => {
    const store = fresh();
    applySnapshot(store, snap([doc('Bridge', 'a', {}, { file: 'net.yaml' }), doc('Bridge', 'b')]));
    const res = applySnapshot(
      store,
      snap([doc('Bridge', 'b')], { invalidFiles: ['net.yaml'], fileCount: 2 }),
    );
    assert.equal(res.keptInvalid, 1);
    assert.equal(res.deletionRequested, 0);
    const a = store.objects.get({ kind: 'Bridge', name: 'a' });
    assert.equal(a?.deletionRequested, false);
    const st = store.status.get({ kind: 'Bridge', name: 'a' });
    assert.equal(st?.sourceInvalid, true);
    assert.equal(st?.conditions[0]?.type, 'SourceInvalid');
    const before = store.totalChanges();
    applySnapshot(store, snap([doc('Bridge', 'b')], { invalidFiles: ['net.yaml'], fileCount: 2 }));
    assert.equal(store.totalChanges(), before, 'still invalid: nothing rewritten');
    applySnapshot(store, snap([doc('Bridge', 'a', {}, { file: 'net.yaml' }), doc('Bridge', 'b')]));
    assert.equal(store.status.get({ kind: 'Bridge', name: 'a' })?.sourceInvalid, false);
  });

  test('a document moved into another file that is invalid is kept, not pruned', () => {
    const store = fresh();
    const others = ['b', 'c', 'd'].map((n) => doc('Bridge', n, {}, { file: 'others.yaml' }));
    applySnapshot(store, snap([doc('Bridge', 'a', {}, { file: 'net.yaml' }), ...others]));
    // net.yaml was deleted and its document pasted, with a typo, into moved.yaml.
    const res = applySnapshot(
      store,
      snap(others, {
        invalidFiles: ['moved.yaml'],
        fileCount: 2,
        issues: [
          {
            file: 'moved.yaml',
            line: 5,
            column: 3,
            field: 'spec.mtuu',
            message: "unknown field 'mtuu'",
            kind: 'Bridge',
            name: 'a',
          },
        ],
      }),
    );
    assert.equal(res.deletionRequested, 0);
    assert.equal(store.objects.get({ kind: 'Bridge', name: 'a' })?.deletionRequested, false);
    const st = store.status.get({ kind: 'Bridge', name: 'a' });
    assert.equal(st?.sourceInvalid, true);
    assert.equal(
      st?.conditions[0]?.message,
      "moved.yaml:5:3 spec.mtuu: unknown field 'mtuu'; keeping the last valid spec",
    );
  });

  test('SourceInvalid carries the parse error of the file, located', () => {
    const store = fresh();
    applySnapshot(store, snap([doc('Bridge', 'a', {}, { file: 'net.yaml' }), doc('Bridge', 'b')]));
    const issue = { file: 'net.yaml', line: 7, column: 1, field: '', message: 'bad indentation' };
    applySnapshot(
      store,
      snap([doc('Bridge', 'b')], { invalidFiles: ['net.yaml'], fileCount: 2, issues: [issue] }),
    );
    const st = store.status.get({ kind: 'Bridge', name: 'a' });
    assert.equal(
      st?.conditions.find((c) => c.type === 'SourceInvalid')?.message,
      'net.yaml:7:1: bad indentation; keeping the last valid spec',
    );
  });

  test('an empty source prunes nothing and warns PruneRefused once', () => {
    const store = fresh();
    applySnapshot(store, snap([doc('Bridge', 'a'), doc('Bridge', 'b'), doc('Bridge', 'c')]));
    for (const s of [
      snap([], { fileCount: 0 }),
      snap([], { fileCount: 0 }),
      snap([], { fileCount: 3 }),
    ]) {
      const res = applySnapshot(store, s);
      assert.match(res.pruneRefused ?? '', /source is empty/);
      assert.equal(res.deletionRequested, 0);
    }
    assert.equal(store.objects.list().filter((o) => o.deletionRequested).length, 0);
    const ev = store.events.list({ ref: SOURCE_REF });
    assert.equal(ev.length, 2, 'one event per distinct refusal, none per repeat');
    assert.ok(
      ev.every((e) => e.reason === 'PruneRefused' && e.type === 'Warning' && e.count === 1),
    );
  });

  test('pruning more than maxPruneRatio of the store at once is refused', () => {
    const store = fresh();
    const all = ['a', 'b', 'c', 'd'].map((n) => doc('Bridge', n));
    applySnapshot(store, snap(all));
    const res = applySnapshot(store, snap([all[0]!]));
    assert.match(res.pruneRefused ?? '', /3 of 4 objects/);
    assert.equal(store.objects.list().filter((o) => o.deletionRequested).length, 0);
    const ok = applySnapshot(store, snap(all.slice(0, 2)));
    assert.equal(ok.pruneRefused, undefined);
    assert.deepEqual(names(ok.changed), ['Bridge/c', 'Bridge/d']);
    assert.equal(store.objects.get({ kind: 'Bridge', name: 'c' })?.deletionRequested, true);
    const loose = fresh();
    applySnapshot(loose, snap(all));
    assert.equal(
      applySnapshot(loose, snap([all[0]!]), { maxPruneRatio: 0.8 }).deletionRequested,
      3,
    );
  });

  test('a document with pxr/prune: disabled is orphaned: removed from the store without finalizing', () => {
    const store = fresh();
    const keep = doc('Bridge', 'keep');
    const orphan = doc('Bridge', 'legacy', {}, { annotations: { 'pxr/prune': 'disabled' } });
    applySnapshot(store, snap([keep, orphan, doc('Bridge', 'x')]));
    const obj = store.objects.get({ kind: 'Bridge', name: 'legacy' })!;
    store.inventory.record(obj, { resourceType: 'iface', node: 'pve1', resourceId: 'vmbr9' }, 1);
    const res = applySnapshot(store, snap([keep, doc('Bridge', 'x')]));
    assert.deepEqual(names(res.orphaned), ['Bridge/legacy']);
    assert.deepEqual(res.changed, []);
    assert.equal(store.objects.get({ kind: 'Bridge', name: 'legacy' }), undefined);
    assert.deepEqual(store.inventory.listByOwner(obj.uid), []);
    const ev = store.events.list({ ref: { kind: 'Bridge', name: 'legacy' } });
    assert.equal(ev[0]?.reason, 'Orphaned');
  });

  test('a document that reappears cancels its pending deletion', () => {
    const store = fresh();
    const docs = [doc('Bridge', 'a'), doc('Bridge', 'b'), doc('Bridge', 'c')];
    applySnapshot(store, snap(docs));
    applySnapshot(store, snap(docs.slice(0, 2)));
    assert.equal(store.objects.get({ kind: 'Bridge', name: 'c' })?.deletionRequested, true);
    const res = applySnapshot(store, snap(docs));
    assert.equal(res.deletionCancelled, 1);
    assert.deepEqual(names(res.changed), ['Bridge/c']);
    const c = store.objects.get({ kind: 'Bridge', name: 'c' });
    assert.equal(c?.deletionRequested, false);
    assert.equal(c?.generation, 1);
    const reasons = store.events.list({ ref: { kind: 'Bridge', name: 'c' } }).map((e) => e.reason);
    assert.deepEqual(reasons, ['DeletionCancelled', 'DeletionRequested']);
  });
});
