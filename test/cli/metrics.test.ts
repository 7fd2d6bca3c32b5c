/**
 * `/metrics` of the app as `pxr run` builds it (prom-client, one registry per app), scraped over HTTP
 * against the simulator: default process metrics, the reconcile histogram by kind and result, Proxmox
 * calls by method, route template and status, objects by condition, drift and the alert outbox.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../helpers/wait.js';
import { bridgeYaml } from '../source/helpers.js';
import { Receiver } from '../alerts/receiver.js';
import { waitTask } from '../helpers/wait-task.js';
import { bridgeDoc, startHarness } from '../e2e/harness.js';

const cleanups: (() => void | Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text exposition: `# TYPE` lines and samples (label values here hold no `,` or `"`). */
function parse(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) types.set(t[1]!, t[2]!);
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries(
      (m[2] ? m[2].split(',') : []).map((kv) => {
        const [k, v] = kv.split('=');
        return [k!, JSON.parse(v!) as string];
      }),
    );
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { types, samples };
}

async function startApp() {
  const h = await startHarness({
    files: { 'a.yaml': bridgeYaml('a', 'vmbr1') },
    app: { listen: { host: '127.0.0.1', port: 0 } },
  });
  cleanups.push(() => h.close());
  const { app, pve, manifests } = h;
  const url = app.httpUrl;
  assert.ok(url);
  const scrape = async () => {
    const r = await fetch(`${url}/metrics`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parse(await r.text());
  };
  return { app, pve, manifests, url, scrape };
}

/** The value of the one sample named `name` whose labels include `labels`. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}) {
  const hits = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  assert.ok(hits.length <= 1, `${name} ${JSON.stringify(labels)}: ${hits.length} samples`);
  return hits[0]?.value;
}

test('/metrics: process defaults, reconciles, Proxmox calls, conditions, drift and alerts', async () => {
  const { manifests, url, pve, scrape } = await startApp();
  await waitFor(
    'ready after the first sweep',
    async () => (await fetch(`${url}/readyz`)).status === 200,
    30_000,
  );
  let m = await waitFor(
    'a Ready in /metrics',
    async () => {
      const s = await scrape();
      return value(s.samples, 'pxr_objects', { kind: 'Bridge', condition: 'Ready' }) === 1
        ? s
        : undefined;
    },
    30_000,
  );
  /** Reconciles of Bridges in the histogram, whatever their result. */
  const reconciles = (samples: Sample[]) =>
    samples
      .filter(
        (s) => s.name === 'pxr_reconcile_duration_seconds_count' && s.labels.kind === 'Bridge',
      )
      .reduce((n, s) => n + s.value, 0);

  // Default process metrics of prom-client.
  assert.equal(m.types.get('process_cpu_user_seconds_total'), 'counter');
  assert.ok((value(m.samples, 'process_resident_memory_bytes') ?? 0) > 0);
  assert.equal(m.types.get('nodejs_eventloop_lag_seconds'), 'gauge');

  assert.equal(value(m.samples, 'pxr_ready'), 1);
  assert.equal(value(m.samples, 'pxr_source_up'), 1);
  assert.equal(m.types.get('pxr_reconcile_duration_seconds'), 'histogram');
  const ok = { kind: 'Bridge', result: 'ok' };
  const okCount = value(m.samples, 'pxr_reconcile_duration_seconds_count', ok) ?? 0;
  assert.ok(okCount >= 1, 'the reconcile that made a Ready is in the histogram');
  assert.equal(
    value(m.samples, 'pxr_reconcile_duration_seconds_bucket', { ...ok, le: '+Inf' }),
    okCount,
  );
  assert.equal(value(m.samples, 'pxr_reconcile_total', ok), okCount);
  const before = reconciles(m.samples);
  assert.equal(value(m.samples, 'pxr_queue_depth', { kind: 'Bridge' }), 0);
  assert.ok((value(m.samples, 'pxr_last_success_timestamp_seconds', { kind: 'Bridge' }) ?? 0) > 0);
  assert.equal(value(m.samples, 'pxr_objects', { kind: 'Bridge', condition: 'Ready' }), 1);
  assert.equal(value(m.samples, 'pxr_objects', { kind: 'Bridge', condition: 'Stalled' }), 0);
  assert.equal(value(m.samples, 'pxr_drifted_objects', { kind: 'Bridge' }), 0);
  assert.equal(m.types.get('pxr_alerts_sent_total'), 'counter');
  assert.equal(m.types.get('pxr_alert_outbox_depth'), 'gauge');

  // A Proxmox call is in the latency histogram under its method, route template and status.
  const network = { method: 'GET', route: '/nodes/{node}/network', status: '200' };
  assert.equal(m.types.get('pxr_pve_request_duration_seconds'), 'histogram');
  const calls = value(m.samples, 'pxr_pve_request_duration_seconds_count', network) ?? 0;
  assert.ok(calls >= 1, 'GET /nodes/{node}/network 200 observed');
  assert.ok(
    (value(m.samples, 'pxr_pve_requests_total', { method: 'GET', route: network.route }) ?? 0) >=
      calls,
  );

  // A second bridge moves the histograms and the Ready count.
  writeFileSync(join(manifests, 'b.yaml'), bridgeYaml('b', 'vmbr2'));
  m = await waitFor(
    'b Ready in /metrics',
    async () => {
      const s = await scrape();
      return value(s.samples, 'pxr_objects', { kind: 'Bridge', condition: 'Ready' }) === 2
        ? s
        : undefined;
    },
    30_000,
  );
  assert.ok(reconciles(m.samples) > before, 'b reconciles moved the histogram');
  assert.ok((value(m.samples, 'pxr_pve_request_duration_seconds_count', network) ?? 0) > calls);

  // A refused call is counted under its status, not folded into 200.
  await assert.rejects(pve.get('/nodes/ghost/network'));
  m = await scrape();
  const refused = m.samples.filter(
    (s) =>
      s.name === 'pxr_pve_request_duration_seconds_count' &&
      s.labels.status !== '200' &&
      s.value >= 1,
  );
  assert.ok(refused.length >= 1, 'a non-200 status sample');
});

test('two apps in one process each have their own registry', async () => {
  const one = await startApp();
  const two = await startApp();
  const [a, b] = [await one.scrape(), await two.scrape()];
  assert.equal(a.types.get('pxr_ready'), 'gauge');
  assert.equal(b.types.get('pxr_ready'), 'gauge');
  assert.equal(a.types.get('process_cpu_user_seconds_total'), 'counter');
});

test('/metrics: alerts sent and failed per sink, and the outbox of a failing sink', async () => {
  const ok = new Receiver();
  const down = new Receiver();
  down.status = 503;
  await ok.start();
  await down.start();
  cleanups.push(
    () => ok.close(),
    () => down.close(),
  );
  const h = await startHarness({
    resyncMs: 400,
    app: {
      listen: { host: '127.0.0.1', port: 0 },
      alerts: {
        sinks: [
          { name: 'ops', type: 'slack', url: `${ok.url}/services/T/B/secret` },
          { name: 'down', type: 'slack', url: `${down.url}/services/T/B/secret` },
        ],
        groupWaitMs: 100,
        groupIntervalMs: 200,
        repeatIntervalMs: 3_600_000,
      },
      notifier: { tickMs: 50, retryBaseMs: 60_000 },
    },
  });
  cleanups.push(() => h.close());
  const scrape = async () =>
    parse(await (await fetch(`${h.app.httpUrl ?? 'http://no-listen'}/metrics`)).text());
  h.write('lan.yaml', bridgeDoc('lan', { iface: 'vmbr5', ports: ['eno2'] }));
  await waitFor('lan Ready', () =>
    h.app.store.status
      .get({ kind: 'Bridge', name: 'lan' })
      ?.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  await h.app.manager.waitForIdle();

  // A hand edit in Proxmox: drift, corrected and told to both sinks.
  await h.pve.updateNetwork('pve', 'vmbr5', { type: 'bridge', bridge_ports: 'eno3' });
  await waitTask(h.pve, 'pve', await h.pve.applyNetwork('pve'), { pollMs: 20 });
  const m = await waitFor(
    'sent to ops, failed at down, in /metrics',
    async () => {
      const s = await scrape();
      return (value(s.samples, 'pxr_alerts_sent_total', { sink: 'ops' }) ?? 0) >= 1 &&
        (value(s.samples, 'pxr_alerts_failed_total', { sink: 'down' }) ?? 0) >= 1
        ? s
        : undefined;
    },
    30_000,
  );
  assert.equal(value(m.samples, 'pxr_alerts_failed_total', { sink: 'ops' }), 0);
  assert.equal(value(m.samples, 'pxr_alerts_sent_total', { sink: 'down' }), 0);
  // The failed delivery waits for its retry (a minute away): it is the outbox of `down`.
  assert.ok((value(m.samples, 'pxr_alert_outbox_depth', { sink: 'down' }) ?? 0) >= 1);
  assert.equal(value(m.samples, 'pxr_alert_outbox_depth', { sink: 'ops' }) ?? 0, 0);
});
