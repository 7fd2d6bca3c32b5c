/**
 * A manifests folder that cannot be read keeps the last snapshot in force; that must not be silent:
 * a Warning event on Source/manifests, `pxr_source_up 0` and `/readyz` not ready with the reason,
 * until a read succeeds again (then a SourceRecovered event and ready again). Runs the controller
 * as `pxr run` builds it, on real chokidar, a temp SQLite file and the simulator over HTTP.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SOURCE_REF } from '../../src/core/ingest.js';
import { startHarness } from '../e2e/harness.js';
import { waitFor } from '../helpers/wait.js';
import { bridgeYaml } from './helpers.js';

const cleanups: (() => void | Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** The controller on a temp folder holding a.yaml, with HTTP on a free loopback port. */
async function startApp() {
  const h = await startHarness({
    files: { 'a.yaml': bridgeYaml('a', 'vmbr1') },
    app: { listen: { host: '127.0.0.1', port: 0 } },
  });
  cleanups.push(() => h.close());
  const { app, manifests } = h;
  const url = app.httpUrl;
  assert.ok(url);
  const readyz = async () => {
    const r = await fetch(`${url}/readyz`);
    return { status: r.status, body: await r.text() };
  };
  const metric = async (name: string): Promise<number | undefined> => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const sourceEvents = (reason: string) =>
    app.store.events.list({ ref: SOURCE_REF }).filter((e) => e.reason === reason);
  return { app, manifests, readyz, metric, sourceEvents };
}

test('a manifests root replaced by a file is an event, a metric and not ready, until it is back', async () => {
  const { app, manifests, readyz, metric, sourceEvents } = await startApp();

  await waitFor('ready after the first sweep', async () => (await readyz()).status === 200);
  assert.equal(await metric('pxr_source_up'), 1);
  assert.equal(await metric('pxr_source_errors_total'), 0);

  rmSync(manifests, { recursive: true });
  writeFileSync(manifests, 'not a folder\n');
  const notReady = await waitFor('/readyz 503 naming the source', async () => {
    const r = await readyz();
    return r.status === 503 && /manifest source failing/.test(r.body) ? r.body : undefined;
  });
  // `cannot read the manifests folder <root>: ENOTDIR`, or `cannot list . in <root>: ENOENT` when the
  // read ran mid-removal: either way located at the root.
  assert.ok(notReady.includes(manifests), notReady);
  assert.equal(await metric('pxr_source_up'), 0);
  assert.ok(((await metric('pxr_source_errors_total')) ?? 0) >= 1);
  const failed = sourceEvents('SourceUnreadable');
  assert.ok(failed.length >= 1, 'a SourceUnreadable event');
  assert.equal(failed[0]!.type, 'Warning');
  // The object of the unreadable source is kept, not pruned.
  assert.equal(app.store.objects.get({ kind: 'Bridge', name: 'a' })?.deletionRequested, false);

  rmSync(manifests);
  mkdirSync(manifests);
  writeFileSync(join(manifests, 'a.yaml'), bridgeYaml('a', 'vmbr1'));
  await waitFor('ready again once the folder is back', async () => (await readyz()).status === 200);
  assert.equal(await metric('pxr_source_up'), 1);
  assert.equal(sourceEvents('SourceRecovered').length, 1);
});

test('a file nested too deep gives one event however often it is read', async () => {
  const { app, manifests, sourceEvents } = await startApp();
  const snapshots = () => app.manager.metrics().snapshotsApplied;
  const deep = `${bridgeYaml('deep', 'vmbr9')}  extra: ${'['.repeat(30_000)}${']'.repeat(30_000)}\n`;
  writeFileSync(join(manifests, 'deep.yaml'), deep);
  await waitFor('the InvalidManifest event of deep.yaml', () =>
    sourceEvents('InvalidManifest').some((e) => e.message.startsWith('deep.yaml:')),
  );
  // More reads of the same broken file (another file changes each time).
  for (let i = 2; i <= 4; i++) {
    const before = snapshots();
    writeFileSync(join(manifests, `b${i}.yaml`), bridgeYaml(`b${i}`, `vmbr${i}`));
    await waitFor(`read ${i} of the folder`, () => snapshots() > before);
  }
  const deepEvents = sourceEvents('InvalidManifest').filter((e) =>
    e.message.startsWith('deep.yaml:'),
  );
  assert.equal(deepEvents.length, 1, deepEvents.map((e) => e.message).join('\n'));
  assert.match(deepEvents[0]!.message, /nested more than 64 levels deep/);
});
