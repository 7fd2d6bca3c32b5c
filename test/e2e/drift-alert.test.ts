/**
 * Issue 10's acceptance, end to end: `pxr run`'s wiring (startControllerApp) with an alert sink
 * (a real local HTTP receiver standing in for Slack). A bridge changed by hand in the simulator is
 * corrected within one resync, recorded, and told to the sink in exactly one message ("drift detected
 * and corrected" comes as one alert because pxr fixes it in the same pass); nothing follows it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/wait.js';
import { waitForPasses } from '../helpers/passes.js';
import { waitTask } from '../helpers/wait-task.js';
import { Receiver } from '../alerts/receiver.js';
import { bridgeDoc, startHarness, type Harness } from './harness.js';

describe('drift reaches people: one alert per transition', () => {
  let h: Harness;
  const slack = new Receiver();
  before(async () => {
    await slack.start();
    h = await startHarness({
      resyncMs: 400,
      app: {
        alerts: {
          sinks: [{ name: 'ops', type: 'slack', url: `${slack.url}/services/T/B/secret` }],
          groupWaitMs: 300,
          groupIntervalMs: 1_000,
          repeatIntervalMs: 3_600_000,
        },
        notifier: { tickMs: 50 },
      },
    });
  });
  after(async () => {
    await h.close();
    await slack.close();
  });

  test('a bridge re-ported by hand: corrected, recorded, and exactly one message to the sink', async () => {
    h.write('lan.yaml', bridgeDoc('lan', { iface: 'vmbr5', ports: ['eno2'], comment: 'lan' }));
    await waitFor('lan Ready', () => {
      const st = h.app.store.status.get({ kind: 'Bridge', name: 'lan' });
      return st?.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
    });
    await h.app.manager.waitForIdle();
    assert.equal(slack.requests.length, 0, 'setting up is not an alert');

    await h.pve.updateNetwork('pve', 'vmbr5', { type: 'bridge', bridge_ports: 'eno3' });
    await waitTask(h.pve, 'pve', await h.pve.applyNetwork('pve'), { pollMs: 20 });
    await waitFor('the drift recorded as corrected', () =>
      h.app.store.drift.list({ kind: 'Bridge', name: 'lan' }).some((d) => d.corrected),
    );
    await waitFor('one message at the sink', () => slack.requests.length >= 1, 10_000);
    const msg = slack.json<{ text: string }>(0).text;
    assert.match(msg, /^pxr: Bridge\/lan drift corrected\n\[INFO\] drift corrected: Bridge\/lan /);
    assert.match(msg, /bridge_ports: desired "eno2", actual "eno3"/);
    // Two more Bridge passes (one key): any further transition those passes found is in the outbox
    // (written in the pass's own transaction); then the notifier has fanned the outbox out. A second
    // alert would now be a delivery, sent or still held back by the group interval: there is none.
    await waitForPasses(h.app.manager, 'Bridge', 2);
    await waitFor('the outbox fanned out', () => h.app.store.alerts.pending().length === 0);
    assert.equal(slack.requests.length, 1, 'exactly one alert for the transition');
    assert.deepEqual(
      h.app.store.deliveries.list().map((d) => [d.sink, d.state]),
      [['ops', 'sent']],
    );
  });
});
