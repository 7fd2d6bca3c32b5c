/**
 * The demo's simulated appliance lives in its container of the built-in simulator, so it is saved
 * with the cluster: after `pxr run --sim` stops, `pxr diff --sim` (which loads the saved state read
 * only) finds the appliance as it was left, and a restarted `pxr run --sim` writes nothing into it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GuestState, SimState } from '../../src/sim/index.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PXR = join(ROOT, 'bin', 'pxr.js');

function pxr(args: string[], cwd: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [PXR, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** `pxr run --sim` in its own process, with its log and the address of its HTTP probe. */
function startRun(dir: string): { child: ChildProcess; logs: () => string; http: Promise<string> } {
  const child = spawn(process.execPath, [PXR, 'run', '--sim', '--listen', '127.0.0.1:0'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
  child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
  const http = waitFor(
    'the HTTP address in the logs',
    () => /"http":"(http:[^"]+)"/.exec(logs)?.[1],
    60_000,
    100,
  );
  return { child, logs: () => logs, http };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  assert.equal(await exited, 0, 'pxr run stops cleanly on SIGTERM');
}

/** The appliance's container as the saved state holds it. */
function savedGuest(dir: string, file = join('data', 'sim-state.json')): GuestState {
  const state = JSON.parse(readFileSync(join(dir, file), 'utf8')) as SimState;
  const guests = Object.values(state.nodes)
    .flatMap((n) => Object.values(n.lxc))
    .flatMap((ct) => (ct.guest ? [ct.guest] : []));
  // The appliance runs dnsmasq; other containers hold only files pxr wrote (Traefik's certificate).
  const appliances = guests.filter((g) => Object.values(g.procs).includes('dnsmasq'));
  assert.equal(appliances.length, 1, 'one container holds a simulated appliance');
  const traefik = guests.find((g) => g.files['/etc/traefik/certs/traefik.key'] !== undefined);
  assert.ok(traefik, "Traefik's certificate files are saved in its container");
  assert.equal(traefik.fileMeta?.['/etc/traefik/certs/traefik.key']?.mode, 0o600);
  return appliances[0]!;
}

/** Changes made inside the appliance, as its events report them (a repeated event counts again). */
function applianceWrites(dir: string): number {
  const r = pxr(['events', '--for', 'appliance/proximity-gw', '--limit', '1000'], dir);
  assert.equal(r.code, 0, r.err);
  let writes = 0;
  for (const line of r.out.split('\n').slice(1)) {
    const cols = line.split(/ {2,}/);
    const message = cols.slice(6).join('  ');
    const count = Number(cols[5]);
    // Each service action (`dnsmasq: wrote …`, `caddy: POST /load`, …) is a change made inside.
    const actions = message.split('; ').filter((a) => /^(dnsmasq|nftables|caddy): /.test(a));
    writes += actions.length * (Number.isFinite(count) ? count : 1);
  }
  return writes;
}

describe('the simulated appliance is saved with the simulated cluster', () => {
  let dir: string;
  let run: ReturnType<typeof startRun> | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pxr-sim-appliance-'));
    cpSync(join(ROOT, 'manifests'), join(dir, 'manifests'), { recursive: true });
  });
  after(() => {
    if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('pxr run --sim converges the demo, then pxr diff --sim after it stopped finds nothing to do', async () => {
    run = startRun(dir);
    const first = run;
    await waitFor(
      'every demo object Ready (the convergence log line)',
      () => /all \d+ objects Ready/.test(first.logs()),
      180_000,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- logs ---\n${first.logs().slice(-3000)}`);
    });
    await stop(first.child);
    assert.ok(applianceWrites(dir) > 0, 'the first run set the appliance up');

    const state = join(dir, 'data', 'sim-state.json');
    const saved = readFileSync(state, 'utf8');
    const diff = pxr(['diff', '--sim', 'manifests'], dir);
    assert.equal(diff.code, 0, diff.out + diff.err);
    assert.match(diff.out, /^0 to change, \d+ in sync, 0 errors$/m);
    assert.equal(readFileSync(state, 'utf8'), saved, 'diff --sim never writes the state file');

    const guest = savedGuest(dir);
    assert.ok(guest.files['/etc/pxr/dnsmasq.conf'], 'dnsmasq.conf is in the saved container');
    assert.ok(guest.nft && guest.caddy.config, 'the nft table and the Caddy config are saved');
  });

  test('a restarted pxr run --sim reconciles the appliance and writes nothing into it', async () => {
    const writesBefore = applianceWrites(dir);
    const stateFile = join(dir, 'data', 'sim-state.json');
    const stateBefore = readFileSync(stateFile, 'utf8');
    run = startRun(dir);
    const second = run;
    const http = await second.http;
    // This process has reconciled the appliance (ok) at least once.
    await waitFor(
      'an Appliance reconcile in the restarted process',
      async () => {
        const text = await (await fetch(`${http}/metrics`)).text();
        return /^pxr_reconcile_total\{kind="Appliance",result="ok"\} [1-9]/m.test(text);
      },
      120_000,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- logs ---\n${second.logs().slice(-3000)}`);
    });
    await stop(second.child);
    assert.equal(
      applianceWrites(dir),
      writesBefore,
      'no write, start, load or signal after restart',
    );
    writeFileSync(join(dir, 'before.json'), stateBefore);
    const guestBefore = savedGuest(dir, 'before.json');
    const guestAfter = savedGuest(dir);
    assert.deepEqual(guestAfter.procs, guestBefore.procs, 'dnsmasq kept running (same pid)');
    assert.deepEqual(guestAfter, guestBefore, 'the container holds the same inside');
  });
});
