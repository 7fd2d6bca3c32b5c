/**
 * `pxr alerts` lists what each sink was sent or keeps failing to send (from the store, read-only);
 * `pxr alerts test` sends one message to every sink of pxr.yaml and exits 1 when one fails.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.js';
import { openStore } from '../../src/store/store.js';
import { runCli } from '../helpers/cli.js';
import { Receiver } from '../alerts/receiver.js';

describe('pxr alerts', () => {
  let dir = '';
  const ok = new Receiver();
  const down = new Receiver();
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pxr-alerts-cli-'));
    await ok.start();
    await down.start();
    down.status = 500;
    await writeFile(join(dir, 'hook-url'), `${ok.url}/secret-hook-path\n`);
    await chmod(join(dir, 'hook-url'), 0o600);
    await writeFile(
      join(dir, 'pxr.yaml'),
      [
        'alerts:',
        '  sinks:',
        '    - { name: team, type: slack, urlFile: hook-url }',
        `    - { name: pager, type: webhook, url: "${down.url}/x" }`,
        '',
      ].join('\n'),
    );
    const store = openStore(join(dir, 'pxr.db'), { clock: systemClock });
    const payload = {
      kind: 'Bridge',
      name: 'lan',
      field: 'mtu',
      transition: 'detected',
      desired: 1500,
      actual: 9000,
      at: 1_000,
    };
    store.deliveries.queue('team', 'drift/Bridge/lan/mtu/detected', payload, 1_000);
    store.deliveries.markSent('team', ['drift/Bridge/lan/mtu/detected'], 2_000);
    store.deliveries.queue('pager', 'drift/Bridge/lan/mtu/detected', payload, 1_000);
    store.deliveries.markFailed('pager', ['drift/Bridge/lan/mtu/detected'], 'HTTP 500', 9_000);
    store.close();
  });
  after(async () => {
    await ok.close();
    await down.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('lists deliveries per sink with state, attempts and the last error', async () => {
    const r = await runCli(['alerts', '--db', 'pxr.db'], dir);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^SINK\s+STATE\s+ATTEMPTS\s+QUEUED\s+SENT\s+ALERT\s+LAST ERROR$/);
    assert.ok(lines.some((l) => /^team\s+sent\s+1\s/.test(l) && l.includes('Bridge/lan mtu')));
    assert.ok(lines.some((l) => /^pager\s+failing\s+1\s.*HTTP 500$/.test(l)));
    const failing = await runCli(
      ['alerts', '--db', 'pxr.db', '--state', 'failing', '-o', 'json'],
      dir,
    );
    assert.deepEqual(
      (JSON.parse(failing.out) as { sink: string }[]).map((d) => d.sink),
      ['pager'],
    );
  });

  test('alerts test: one message per sink, a failing sink named, exit 1; the URL never printed', async () => {
    const r = await runCli(['alerts', 'test'], dir);
    assert.equal(r.code, 1);
    assert.match(r.out, /^ok {3}team$/m);
    assert.match(r.out, /^FAIL pager: HTTP 500/m);
    assert.ok(!r.out.includes('secret-hook-path') && !r.err.includes('secret-hook-path'));
    assert.equal(ok.requests.length, 1);
    assert.match(ok.requests[0]?.body ?? '', /a test message from pxr alerts test/);
  });
});
