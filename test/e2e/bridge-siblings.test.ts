/**
 * Editing one bridge of a node applies the node's network once; its siblings stay Ready throughout
 * (no Ready flap, no new Ready event).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/wait.js';
import { bridgeDoc, startHarness, type Harness } from './harness.js';

const docs = (comment: string): string =>
  [
    bridgeDoc('one', { iface: 'vmbr11', ports: [], comment }),
    bridgeDoc('two', { iface: 'vmbr12', ports: [] }),
    bridgeDoc('three', { iface: 'vmbr13', ports: [] }),
  ].join('---\n');

describe('Bridge siblings', () => {
  let h: Harness;
  const ready = (name: string): boolean => {
    const d = h.app.store.describe({ kind: 'Bridge', name });
    return (
      d?.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True') === true &&
      d.status.observedGeneration === d.object.generation
    );
  };
  before(async () => {
    h = await startHarness({ resyncMs: 60_000 });
    h.write('net.yaml', docs('first'));
    await waitFor('three Ready', () => ['one', 'two', 'three'].every(ready));
    await h.app.manager.waitForIdle();
  });
  after(() => h.close());

  test('editing one bridge leaves its siblings Ready, without a new Ready or any other event', async () => {
    const snapshot = (name: string): string =>
      JSON.stringify(
        h.app.store.events.list({ ref: { kind: 'Bridge', name } }).map((e) => [e.reason, e.count]),
      );
    const before = { two: snapshot('two'), three: snapshot('three') };
    let flapped = false;
    const watch = setInterval(() => {
      if (!ready('two') || !ready('three')) flapped = true;
    }, 5);
    try {
      h.write('net.yaml', docs('second'));
      await waitFor('one at its new generation and Ready', () => {
        const d = h.app.store.describe({ kind: 'Bridge', name: 'one' });
        return d?.object.generation === 2 && ready('one');
      });
      await h.app.manager.waitForIdle();
    } finally {
      clearInterval(watch);
    }
    assert.equal(flapped, false, 'siblings stayed Ready');
    assert.deepEqual({ two: snapshot('two'), three: snapshot('three') }, before);
  });
});
