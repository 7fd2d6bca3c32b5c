/**
 * Issue 10's acceptance for drift left in place (`pxr/drift: alert`): a bridge changed by hand in the
 * simulator shows within one resync in `pxr get` (DRIFT), in /metrics (pxr_drifted_objects), in the log
 * (one WARN naming field, desired and actual) and as exactly one alert at the sink; nothing is changed
 * in Proxmox, and nothing more is sent while it stays.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { waitForPasses } from '../helpers/passes.js';
import { waitTask } from '../helpers/wait-task.js';
import { Receiver } from '../alerts/receiver.js';
import { bridgeDoc, startHarness, type Harness } from './harness.js';

describe('drift left in place is seen everywhere, and told once', () => {
  let h: Harness;
  const sink = new Receiver();
  const lines: { level: number; msg: string; kind?: string; name?: string }[] = [];
  before(async () => {
    await sink.start();
    h = await startHarness({
      resyncMs: 300,
      log: pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) }),
      app: {
        listen: { host: '127.0.0.1', port: 0 },
        alerts: {
          sinks: [{ name: 'hook', type: 'webhook', url: `${sink.url}/hook` }],
          groupWaitMs: 200,
          groupIntervalMs: 500,
          repeatIntervalMs: 3_600_000,
        },
        notifier: { tickMs: 50 },
      },
    });
    h.write(
      'lan.yaml',
      bridgeDoc(
        'lan',
        { iface: 'vmbr9', ports: ['eno2'] },
        { annotations: { 'pxr/drift': 'alert' } },
      ),
    );
    await waitFor('lan Ready', () =>
      h.app.store.status
        .get({ kind: 'Bridge', name: 'lan' })
        ?.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    await h.app.manager.waitForIdle();
  });
  after(async () => {
    await h.close();
    await sink.close();
  });

  test('pxr get, /metrics, the log and one alert', async () => {
    const mark = lines.length;
    await h.pve.updateNetwork('pve', 'vmbr9', { type: 'bridge', bridge_ports: 'eno3' });
    await waitTask(h.pve, 'pve', await h.pve.applyNetwork('pve'), { pollMs: 20 });
    await waitFor('the drift recorded', () =>
      h.app.store.drift
        .open({ kind: 'Bridge', name: 'lan' })
        .some((d) => d.field === 'bridge_ports'),
    );
    // pxr get: the DRIFT column counts it.
    const get = await runCli(['get', 'bridges', '--db', h.db], h.dir);
    assert.equal(get.code, 0, get.err);
    const row = get.out.split('\n').find((l) => l.startsWith('lan '));
    const headers = (get.out.split('\n')[0] ?? '').split(/\s{2,}/);
    assert.equal(row?.split(/\s{2,}/)[headers.indexOf('DRIFT')], '1', get.out);
    // /metrics
    assert.ok(h.app.httpUrl);
    const metrics = await (await fetch(`${h.app.httpUrl}/metrics`)).text();
    assert.match(metrics, /^pxr_drifted_objects\{kind="Bridge"\} 1$/m);
    // The log: one WARN line naming field, desired and actual.
    await waitFor('one alert at the sink', () => sink.requests.length >= 1, 10_000);
    // The drift is one WARN. (A pass that lands between the person's staging and their apply also
    // warns, once, about their pending change: a different event, and a true one.)
    const warn = lines.slice(mark).filter((l) => l.level >= 40 && l.msg.startsWith('drift'));
    assert.equal(warn.length, 1, JSON.stringify(warn));
    assert.match(warn[0]?.msg ?? '', /drift detected.*bridge_ports: desired "eno2", actual "eno3"/);
    // Proxmox untouched: the port stays as the person set it.
    assert.equal(
      (h.sim.sim.state.nodes.pve!.network.active['vmbr9'] as { bridge_ports?: string })
        .bridge_ports,
      'eno3',
    );
    // Four more Bridge passes (one key, resyncs 300 ms apart on the clock) see the drift still
    // there, and span more than a group wait plus a group interval (700 ms): whatever the passes or
    // the notifier's clock (reminders) would announce is in the outbox by then, and the notifier fans
    // the outbox out. A second alert would be a delivery, sent or held back by the group interval:
    // there is one, sent. One WARN.
    await waitForPasses(h.app.manager, 'Bridge', 4);
    await waitFor('the outbox fanned out', () => h.app.store.alerts.pending().length === 0);
    assert.deepEqual(
      h.app.store.deliveries.list().map((d) => [d.sink, d.state]),
      [['hook', 'sent']],
    );
    assert.equal(sink.requests.length, 1);
    assert.equal(
      lines.slice(mark).filter((l) => l.level >= 40 && l.msg.startsWith('drift')).length,
      1,
    );
    const body = sink.json<{ alerts: { reason: string; field: string }[] }>(0);
    assert.deepEqual(
      body.alerts.map((a) => [a.reason, a.field]),
      [['DriftDetected', 'bridge_ports']],
    );
  });
});
