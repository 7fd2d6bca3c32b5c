/**
 * The README's first command, as a user runs it: `pxr run --sim` in its own process, on a copy of the
 * demo manifests, then `pxr get` / `describe` / `events` from a second process reading the same SQLite
 * file, the HTTP probes, and a clean stop on SIGTERM.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../helpers/wait.js';

/**
 * A GET that is retried once when the server closed the kept-alive connection as it was reused
 * (on a loaded machine the client's idle timer fires late), as Go's client and Prometheus do.
 */
async function get(url: string): Promise<Response> {
  try {
    return await fetch(url);
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw err;
    return fetch(url);
  }
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PXR = join(ROOT, 'bin', 'pxr.js');

function pxr(args: string[], cwd: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [PXR, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('pxr run --sim from the command line', () => {
  let dir: string;
  let child: ChildProcess;
  let logs = '';
  let base = '';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pxr-cli-'));
    cpSync(join(ROOT, 'manifests'), join(dir, 'manifests'), { recursive: true });
    child = spawn(
      process.execPath,
      [PXR, 'run', '--sim', '--listen', '127.0.0.1:0', '--resync', '5s'],
      {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (logs += d.toString()));
  });
  after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('becomes ready: every demo object converged on the built-in simulator', async () => {
    // Port 0: the log line announcing the controller names the address it got.
    base = await waitFor(
      'the HTTP address in the logs',
      () => /"http":"(http:[^"]+)"/.exec(logs)?.[1],
      60_000,
      100,
    );
    await waitFor(
      '/readyz 200',
      async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200,
      90_000,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- logs ---\n${logs.slice(-3000)}`);
    });
    const health = await get(`${base}/healthz`);
    assert.equal(health.status, 200);
    await waitFor(
      'all bridges Ready',
      () => {
        const r = pxr(['get', 'bridges', '-o', 'json'], dir);
        const items = (
          JSON.parse(r.out) as {
            items: { status: { conditions: { type: string; status: string }[] } }[];
          }
        ).items;
        return (
          items.length === 6 &&
          items.every((i) =>
            i.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
          )
        );
      },
      60_000,
      500,
    );
  });

  test('the mesh design converges: zone, VNet and the three containers on it', async () => {
    const ready = (kind: string): string[] =>
      (
        JSON.parse(pxr(['get', kind, '-o', 'json'], dir).out) as {
          items: {
            metadata: { name: string };
            status: { conditions: { type: string; status: string }[] };
          }[];
        }
      ).items
        .filter((i) => i.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'))
        .map((i) => i.metadata.name);
    await waitFor(
      'mesh objects Ready',
      () =>
        ready('vnets').includes('mesh') &&
        ready('sdnzones').includes('meshzone') &&
        ['stepca', 'traefik', 'gateway'].every((n) => ready('appcontainers').includes(n)),
      90_000,
      500,
    );
    const v = pxr(['get', 'vnets'], dir);
    assert.match(v.out, /^mesh\s+meshzone\s+-\s+172\.16\.100\.0\/24\s+172\.16\.100\.1\s+True/m);
    const e = pxr(['events', '--for', 'vnet/mesh'], dir);
    assert.match(e.out, /SdnApplied/);
    // the gateway is dual-homed: a lease on VLAN 20 (vmbr0.20's network) and its mesh address
    const g = pxr(['get', 'appcontainer', 'gateway', '-o', 'wide'], dir);
    assert.match(g.out, /net0=203\.0\.113\.\d+,net1=172\.16\.100\.10/);
  });

  test('pxr get prints a table read from the same SQLite file while run writes it', () => {
    const r = pxr(['get', 'bridges'], dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^NAME\s+NODE\s+IFACE\s+PORTS\s+CIDR\s+READY/m);
    assert.match(r.out, /^personal\s+pve\s+vmbr1\s+eno2\s+10\.10\.0\.2\/24\s+True/m);
    const wide = pxr(['get', 'bridge', 'personal', '-o', 'wide'], dir);
    assert.match(wide.out, /REVISION/);
  });

  test('pxr describe and pxr events show conditions, history and events', () => {
    const d = pxr(['describe', 'bridge/personal'], dir);
    assert.equal(d.code, 0, d.err);
    assert.match(d.out, /Spec \(with defaults\):/);
    assert.match(d.out, /autostart: true/);
    assert.match(d.out, /Ready\s+True\s+Reconciled/);
    const e = pxr(['events', '--for', 'bridge/personal'], dir);
    assert.match(e.out, /Applied/);
  });

  test('/metrics exposes reconciles and Proxmox calls by route', async () => {
    const text = await (await get(`${base}/metrics`)).text();
    assert.match(text, /^pxr_reconcile_total\{kind="Bridge",result="ok"\} \d+$/m);
    assert.match(
      text,
      /^pxr_pve_requests_total\{method="GET",route="\/nodes\/\{node\}\/network"\} \d+$/m,
    );
    assert.match(text, /^pxr_ready 1$/m);
  });

  test('it says how to reach its simulator: the URL, and the token in a file only its owner reads', async () => {
    const m = /reach it with: curl -H @(\S+) (http:\S+)\/api2\/json\/nodes/.exec(logs);
    assert.ok(m, `the simulator line in the logs:\n${logs.slice(0, 2000)}`);
    const [, tokenFile, simUrl] = m;
    assert.equal(statSync(tokenFile!).mode & 0o777, 0o600);
    const header = readFileSync(tokenFile!, 'utf8').trim();
    assert.match(header, /^Authorization: PVEAPIToken=\S+=[0-9a-f-]{36}$/);
    assert.ok(!logs.includes(header.split('=').at(-1)!), 'the secret is not in the logs');
    // What a person does to cause drift: the same API pxr uses, with that header.
    const res = await fetch(`${simUrl}/api2/json/nodes`, {
      headers: { Authorization: header.slice('Authorization: '.length) },
    });
    assert.equal(res.status, 200);
  });

  test('pxr events --follow prints new events as they happen', async () => {
    const follower = spawn(
      process.execPath,
      [PXR, 'events', '--follow', '--for', 'bridge/personal'],
      {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    follower.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor('the first listing', () => /Applied/.test(out), 30_000, 100);
      const printed = out.length;
      const file = join(dir, 'manifests', 'host', 'bridges.yaml');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(
          'comment: personal services',
          'comment: personal, edited',
        ),
      );
      await waitFor(
        'a followed event line',
        () => out.length > printed && /bridge\/personal/.test(out.slice(printed)),
        60_000,
        100,
      );
    } finally {
      follower.kill('SIGTERM');
    }
  });

  test('SIGTERM stops it cleanly', async () => {
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(logs, /stopped/);
  });
});

describe('pxr diff --sim after pxr run --sim', () => {
  test('in sync (exit 0) without touching the saved cluster; an edit shows as a change (exit 1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pxr-diff-sim-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'manifests'));
    cpSync(join(ROOT, 'manifests', 'host', 'bridges.yaml'), join(dir, 'manifests', 'bridges.yaml'));
    const run = spawn(process.execPath, [PXR, 'run', '--sim', '--listen', '127.0.0.1:0'], {
      cwd: dir,
      stdio: 'ignore',
    });
    after(() => {
      if (run.exitCode === null) run.kill('SIGKILL');
    });
    await waitFor(
      'the bridges converged (pxr diff --sim against the running controller says 0)',
      () => pxr(['diff', '--sim'], dir).code === 0,
      90_000,
      500,
    );
    const exited = new Promise<number | null>((resolve) => run.once('exit', resolve));
    run.kill('SIGTERM');
    assert.equal(await exited, 0);

    const state = join(dir, 'data', 'sim-state.json');
    const before = readFileSync(state, 'utf8');
    const same = pxr(['diff', '--sim'], dir);
    assert.equal(same.code, 0, same.out + same.err);
    assert.match(same.out, /^0 to change, 4 in sync, 0 errors$/m);
    assert.equal(readFileSync(state, 'utf8'), before, 'diff --sim never writes the state file');
    const file = join(dir, 'manifests', 'bridges.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('comment: personal services', 'comment: personal, diffed'),
    );
    const edited = pxr(['diff', '--sim', '-o', 'json'], dir);
    assert.equal(edited.code, 1, edited.err);
    const personal = (
      JSON.parse(edited.out) as {
        objects: { name: string; changes: { field: string; desired: unknown }[] }[];
      }
    ).objects.find((o) => o.name === 'personal');
    assert.deepEqual(
      personal?.changes.map((c) => [c.field, c.desired]),
      [['comments', 'personal, diffed']],
    );
  });
});

describe('pxr validate', () => {
  test('the demo manifests are valid (exit 0)', () => {
    const r = pxr(['validate', 'manifests'], ROOT);
    assert.equal(r.code, 0, r.out + r.err);
  });

  test('a wrong setting is one clear line and exit 2', () => {
    const r = pxr(['run', '--resync', 'soon'], ROOT);
    assert.equal(r.code, 2);
    assert.equal(r.err.trim().split('\n').length, 1);
    assert.match(r.err, /--resync: 'soon'/);
  });
});
