/**
 * Alert delivery end to end: outbox rows (as the runtime writes them) → one grouped message per sink,
 * against real local HTTP receivers standing in for Slack, Discord, ntfy, Alertmanager and a signed
 * webhook. Grouping, coalescing, outages, restarts, reminders, filters, and no secret in any log.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ManualClock } from '../../src/core/clock.js';
import { openStore, type Store } from '../../src/store/store.js';
import { Notifier, type NotifierOptions } from '../../src/alerts/notifier.js';
import type { SinkConfig } from '../../src/alerts/sink-config.js';
import { Receiver } from './receiver.js';

const SECRET_PATH = '/services/T000/B000/xoxb-very-secret-path';

function driftRow(
  store: Store,
  now: number,
  name: string,
  transition: string,
  field = 'cores',
): void {
  store.alerts.enqueue(
    `drift/AppContainer/${name}/${field}/${transition}`,
    {
      kind: 'AppContainer',
      name,
      uid: `u-${name}`,
      field,
      transition,
      desired: 2,
      actual: 1,
      at: now,
    },
    now,
  );
}

interface Rig {
  clock: ManualClock;
  store: Store;
  recv: Record<SinkConfig['type'], Receiver>;
  sinks: SinkConfig[];
  logs: string[];
  notifier(o?: Partial<NotifierOptions>): Notifier;
  close(): Promise<void>;
}

async function rig(dbPath = ':memory:', store?: Store, clock = new ManualClock()): Promise<Rig> {
  const s = store ?? openStore(dbPath, { clock });
  const types = ['webhook', 'slack', 'discord', 'ntfy', 'alertmanager'] as const;
  const recv = Object.fromEntries(
    await Promise.all(types.map(async (t) => [t, await new Receiver().start()] as const)),
  ) as Rig['recv'];
  recv.discord.status = 204;
  const sinks: SinkConfig[] = types.map((t) => ({
    name: `my-${t}`,
    type: t,
    url: t === 'alertmanager' ? recv[t].url : `${recv[t].url}${SECRET_PATH}`,
    ...(t === 'webhook' ? { secret: 'hmac-key' } : {}),
    ...(t === 'ntfy' ? { token: 'tk_secret' } : {}),
  }));
  const logs: string[] = [];
  const log = pino({ level: 'debug' }, { write: (l: string) => void logs.push(l) });
  return {
    clock,
    store: s,
    recv,
    sinks,
    logs,
    notifier: (o = {}) => new Notifier({ store: s, clock, log, sinks, random: () => 0, ...o }),
    close: async () => {
      await Promise.all(Object.values(recv).map((r) => r.close()));
    },
  };
}

const counts = (r: Rig): number[] => Object.values(r.recv).map((x) => x.requests.length);

describe('alert delivery', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanup) await c();
  });

  test('200 objects drifting at once give one message per sink, each listing them, after groupWait', async () => {
    const r = await rig();
    cleanup.push(() => r.close());
    const n = r.notifier();
    for (let i = 0; i < 200; i++) driftRow(r.store, r.clock.now(), `ct-${i}`, 'detected');
    await n.tick();
    assert.deepEqual(counts(r), [0, 0, 0, 0, 0], 'nothing before groupWait');
    r.clock.advance(30_000);
    await n.tick();
    assert.deepEqual(counts(r), [1, 1, 1, 1, 1], 'one message per sink');
    const hook = r.recv.webhook.json<{ alerts: unknown[]; title: string }>(0);
    assert.equal(hook.alerts.length, 200);
    assert.match(hook.title, /200 objects changed \(200 drift detected\)/);
    const am = r.recv.alertmanager.json<{ labels: Record<string, string> }[]>(0);
    assert.equal(am.length, 200);
    assert.equal(r.recv.alertmanager.requests[0]?.path, '/api/v2/alerts');
    const slack = r.recv.slack.json<{ text: string; blocks: { text: { text: string } }[] }>(0);
    assert.ok((slack.blocks[1]?.text.text.length ?? 0) <= 3000, 'section within Slack limit');
    assert.match(slack.text, /… and \d+ more/);
    const discord = r.recv.discord.json<{ content: string; embeds: { description: string }[] }>(0);
    assert.ok((discord.embeds[0]?.description.length ?? 0) <= 4096);
    assert.ok(discord.content.length <= 2000);
    await n.tick();
    r.clock.advance(600_000);
    await n.tick();
    assert.deepEqual(counts(r), [1, 1, 1, 1, 1], 'nothing sent twice');
  });

  test('a drift corrected inside groupWait is one "detected and corrected" message; Alertmanager gets endsAt', async () => {
    const r = await rig();
    cleanup.push(() => r.close());
    const n = r.notifier();
    driftRow(r.store, r.clock.now(), 'web', 'detected');
    await n.tick();
    r.clock.advance(10_000);
    driftRow(r.store, r.clock.now(), 'web', 'corrected');
    await n.tick();
    r.clock.advance(20_000);
    await n.tick();
    assert.deepEqual(counts(r), [1, 1, 1, 1, 1]);
    const hook = r.recv.webhook.json<{ alerts: { transition: string; status: string }[] }>(0);
    assert.deepEqual(
      hook.alerts.map((a) => [a.transition, a.status]),
      [['drift detected and corrected', 'resolved']],
    );
    assert.match(
      r.recv.ntfy.requests[0]?.body ?? '',
      /drift detected and corrected: AppContainer\/web cores: desired 2, actual 1/,
    );
    const am = r.recv.alertmanager.json<{ labels: Record<string, string>; endsAt?: string }[]>(0);
    assert.equal(am.length, 1);
    assert.deepEqual(am[0]?.labels, {
      alertname: 'PxrDrift',
      severity: 'info',
      kind: 'AppContainer',
      name: 'web',
      field: 'cores',
    });
    assert.ok(am[0]?.endsAt, 'resolved → endsAt');
  });

  test('payloads: the webhook is signed with HMAC-SHA256 of its body; ntfy carries title, priority, tags and token', async () => {
    const r = await rig();
    cleanup.push(() => r.close());
    const n = r.notifier({ groupWaitMs: 0 });
    driftRow(r.store, r.clock.now(), 'db', 'detected');
    await n.tick();
    const req = r.recv.webhook.requests[0];
    assert.ok(req);
    const want = `sha256=${createHmac('sha256', 'hmac-key').update(req.body).digest('hex')}`;
    assert.equal(req.headers['x-pxr-signature'], want);
    assert.equal(req.headers['content-type'], 'application/json');
    const nt = r.recv.ntfy.requests[0];
    assert.equal(nt?.headers['title'], 'pxr: AppContainer/db drift detected');
    assert.equal(nt?.headers['priority'], '4');
    assert.equal(nt?.headers['tags'], 'warning,pxr');
    assert.equal(nt?.headers['authorization'], 'Bearer tk_secret');
    assert.equal(r.recv.slack.requests[0]?.path, SECRET_PATH);
  });

  test('a sink that is down is retried with backoff until it answers; nothing is lost or sent twice', async () => {
    const r = await rig();
    cleanup.push(() => r.close());
    const n = r.notifier({ groupWaitMs: 0, retryBaseMs: 5000 });
    r.recv.slack.status = 503;
    driftRow(r.store, r.clock.now(), 'a', 'detected');
    await n.tick();
    assert.equal(r.recv.slack.requests.length, 1);
    const failed = r.store.deliveries.pending('my-slack')[0];
    assert.match(failed?.lastError ?? '', /^HTTP 503/);
    assert.ok(!(failed?.lastError ?? '').includes('secret'), 'no URL in the error');
    await n.tick();
    r.clock.advance(2_000);
    await n.tick();
    assert.equal(r.recv.slack.requests.length, 1, 'waits for the backoff');
    r.clock.advance(3_000);
    await n.tick();
    assert.equal(r.recv.slack.requests.length, 2, 'retried after 5 s');
    r.recv.slack.status = 200;
    r.clock.advance(10_000);
    await n.tick();
    assert.equal(r.recv.slack.requests.length, 3, 'retried after 10 s; delivered');
    r.clock.advance(600_000);
    await n.tick();
    assert.equal(r.recv.slack.requests.length, 3);
    assert.equal(r.recv.webhook.requests.length, 1, 'other sinks were not held back');
    assert.deepEqual(n.stats()['my-slack'], {
      sent: 1,
      failed: 2,
      lastError: 'HTTP 503: unavailable',
    });
    assert.ok(r.logs.every((l) => !l.includes(SECRET_PATH) && !l.includes('tk_secret')));
  });

  test('a restart loses nothing and re-sends nothing a sink acknowledged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pxr-alerts-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const db = join(dir, 'pxr.db');
    const clock = new ManualClock();
    const r1 = await rig(db, undefined, clock);
    cleanup.push(() => r1.close());
    r1.recv.discord.status = 500;
    const n1 = r1.notifier({ groupWaitMs: 0 });
    driftRow(r1.store, clock.now(), 'x', 'detected');
    await n1.tick();
    await n1.stop();
    r1.store.close();
    assert.equal(r1.recv.webhook.requests.length, 1);
    // A new controller on the same file, the same sink addresses.
    const store2 = openStore(db, { clock });
    const n2 = new Notifier({
      store: store2,
      clock,
      log: pino({ level: 'silent' }),
      sinks: r1.sinks,
      groupWaitMs: 0,
      random: () => 0,
    });
    r1.recv.discord.status = 204;
    clock.advance(600_000);
    await n2.tick();
    assert.equal(
      r1.recv.webhook.requests.length,
      1,
      'acknowledged before the restart: not re-sent',
    );
    assert.equal(r1.recv.discord.requests.length, 2, 'failed before the restart: sent after it');
    store2.close();
  });

  test('drift left in place is announced again after repeatInterval, and nothing in between', async () => {
    const r = await rig();
    cleanup.push(() => r.close());
    const n = r.notifier({ groupWaitMs: 0, groupIntervalMs: 0, repeatIntervalMs: 4 * 3_600_000 });
    const ref = { kind: 'Bridge', name: 'lan' };
    r.store.drift.observe(ref, { field: 'mtu', desired: 1500, actual: 9000 }, false, r.clock.now());
    r.store.alerts.enqueue(
      'drift/Bridge/lan/mtu/detected',
      {
        kind: 'Bridge',
        name: 'lan',
        field: 'mtu',
        transition: 'detected',
        desired: 1500,
        actual: 9000,
        at: r.clock.now(),
      },
      r.clock.now(),
    );
    await n.tick();
    assert.equal(r.recv.webhook.requests.length, 1);
    for (let m = 0; m < 239; m++) {
      r.clock.advance(60_000);
      await n.tick();
    }
    assert.equal(r.recv.webhook.requests.length, 1, 'nothing during the 4 h');
    r.clock.advance(60_000);
    await n.tick();
    assert.equal(r.recv.webhook.requests.length, 2, 'one reminder at 4 h');
    const a = r.recv.webhook.json<{ alerts: { reason: string; transition: string }[] }>(1).alerts;
    assert.deepEqual(
      a.map((x) => x.transition),
      ['drift still present'],
    );
    r.clock.advance(3_600_000);
    await n.tick();
    assert.equal(r.recv.webhook.requests.length, 2);
    r.clock.advance(3 * 3_600_000);
    await n.tick();
    assert.equal(r.recv.webhook.requests.length, 3, 'the next at 8 h');
  });

  test('filters: minSeverity, kinds and labels choose what a sink gets', async () => {
    const r = await rig();
    cleanup.push(() => r.close());
    r.sinks[0] = { ...r.sinks[0]!, minSeverity: 'warning' };
    r.sinks[1] = { ...r.sinks[1]!, kinds: ['Bridge'] };
    r.sinks[2] = { ...r.sinks[2]!, labels: { tier: 'gold' } };
    const n = r.notifier({ groupWaitMs: 0 });
    driftRow(r.store, r.clock.now(), 'c', 'corrected'); // info, AppContainer, no labels
    await n.tick();
    assert.deepEqual(counts(r), [0, 0, 0, 1, 1]);
  });

  test('pxr alerts test: one message to every sink, failures named per sink', async () => {
    const r = await rig();
    cleanup.push(() => r.close());
    r.recv.ntfy.status = 403;
    const res = await r.notifier().sendTest();
    assert.deepEqual(
      res.map((x) => [x.sink, x.ok]),
      [
        ['my-webhook', true],
        ['my-slack', true],
        ['my-discord', true],
        ['my-ntfy', false],
        ['my-alertmanager', true],
      ],
    );
    assert.match(res[3]?.error ?? '', /^HTTP 403/);
  });
});
