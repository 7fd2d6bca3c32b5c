/**
 * No Docker engine runs here, so the compose file and Dockerfile are checked structurally: the
 * wiring they promise (git-sync volume → pxr manifests, SQLite in a named volume, the sim profile,
 * the CLI inside the container, a CA file) must actually be there. The simulator's healthcheck
 * command is run for real against a simulator.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'yaml';
import { runSimCommand } from '../../src/sim/cli.js';
import { waitFor } from '../helpers/wait.js';

const root = new URL('../../', import.meta.url);
const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8')) as {
  services: Record<string, Record<string, unknown>>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { file: string }>;
};
const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
const readme = readFileSync(new URL('README.md', root), 'utf8');

/** The value of `ENV NAME=value` in the final stage of the Dockerfile. */
function dockerEnv(name: string): string | undefined {
  const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  return new RegExp(`^ENV (?:.* )?${name}=(\\S+)`, 'm').exec(final)?.[1];
}

/** The named volume or host path mounted at the folder containing `path`, if any. */
function mountOf(svc: Record<string, unknown>, path: string): string | undefined {
  for (const v of (svc.volumes as string[] | undefined) ?? []) {
    const [source, target] = v.split(':');
    if (target && (path === target || path.startsWith(`${target}/`))) return source;
  }
  return undefined;
}

function argAfter(cmd: unknown, flag: string): string | undefined {
  assert.ok(Array.isArray(cmd), 'command must be a list');
  const i = (cmd as string[]).indexOf(flag);
  return i >= 0 ? (cmd as string[])[i + 1] : undefined;
}

test('git-sync checks the repository out into a named volume through an atomic symlink', () => {
  const gs = compose.services['git-sync'];
  assert.ok(gs, 'git-sync service');
  assert.match(String(gs.image), /^registry\.k8s\.io\/git-sync\/git-sync:v4\./);
  const env = gs.environment as Record<string, string>;
  assert.equal(env.GITSYNC_ROOT, '/git');
  assert.equal(env.GITSYNC_LINK, 'current');
  assert.deepEqual(gs.volumes, ['manifests:/git']);
});

test('pxr watches the manifests inside the git-sync volume and keeps SQLite in its own volume', () => {
  const pxr = compose.services.pxr!;
  assert.equal(pxr.build, '.');
  const vols = pxr.volumes as string[];
  assert.ok(vols.includes('manifests:/git:ro'), 'manifests volume mounted read-only');
  assert.ok(vols.includes('pxr-data:/data'));
  assert.match(String(argAfter(pxr.command, '--manifests')), /^\/git\/current\//);
  assert.match(String(argAfter(pxr.command, '--db')), /^\/data\//);
  assert.equal(argAfter(pxr.command, '--listen'), '0.0.0.0:9464');
  assert.deepEqual(pxr.ports, ['127.0.0.1:9464:9464']);
  const env = pxr.environment as Record<string, string>;
  assert.equal(env.PXR_PVE_TOKEN_SECRET_FILE, '/run/secrets/pve_token');
  assert.ok(!('PXR_PVE_TOKEN_SECRET' in env), 'the secret comes from a file, not the environment');
  assert.deepEqual(pxr.secrets, ['pve_token']);
  assert.ok(compose.secrets.pve_token?.file);
  for (const v of ['manifests', 'pxr-data'])
    assert.ok(v in compose.volumes, `volume ${v} declared`);
});

test('the sim profile runs pxr sim and a pxr pointed at it', () => {
  const sim = compose.services.sim!;
  assert.deepEqual(sim.profiles, ['sim']);
  assert.equal((sim.command as string[])[0], 'sim');
  const token = argAfter(sim.command, '--token')!;
  const [tokenId, secret] = token.split('=');
  const run = compose.services['pxr-sim']!;
  assert.deepEqual(run.profiles, ['sim']);
  assert.equal(argAfter(run.command, '--pve-url'), 'http://sim:8006');
  assert.equal(argAfter(run.command, '--pve-token-id'), tokenId);
  assert.equal((run.environment as Record<string, string>).PXR_PVE_TOKEN_SECRET, secret);
  assert.match(secret!, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
});

test('every service using the local image can build it', () => {
  for (const [name, svc] of Object.entries(compose.services)) {
    assert.ok(svc.image || svc.build, `${name} has an image or a build`);
    // `docker compose --profile sim up pxr-sim` alone must not try to pull a pxr:local image.
    if (svc.image === 'pxr:local') assert.equal(svc.build, '.', `${name} builds pxr:local`);
  }
});

test("the simulator's healthcheck is its own and passes against a running simulator", async () => {
  const sim = compose.services.sim!;
  const hc = sim.healthcheck as { test?: string[]; disable?: boolean } | undefined;
  assert.ok(hc?.test, "sim has its own healthcheck (the image's probes pxr's :9464)");
  assert.equal(hc.test[0], 'CMD');
  const script = hc.test.join(' ');
  assert.doesNotMatch(script, /9464/);
  const simPort = argAfter(sim.command, '--listen')!.split(':')[1]!;
  assert.match(script, new RegExp(`127\\.0\\.0\\.1:${simPort}/api2/json/version`));
  const run = compose.services['pxr-sim']!;
  assert.deepEqual(run.depends_on, { sim: { condition: 'service_healthy' } });

  // Run the healthcheck command as written, against the simulator started with the service's
  // own arguments (on a free loopback port and a temporary state file).
  const dir = mkdtempSync(join(tmpdir(), 'pxr-compose-'));
  const stop = new AbortController();
  let out = '';
  const io = {
    stdout: new Writable({
      write(c: Buffer, _e, done) {
        out += c.toString();
        done();
      },
    }),
    stderr: new Writable({ write: (_c, _e, done) => done() }),
  };
  const args = (sim.command as string[]).slice(1).map((a, i, all) => {
    if (all[i - 1] === '--listen') return '127.0.0.1:0';
    if (all[i - 1] === '--state') return join(dir, 'sim-state.json');
    return a;
  });
  const exited = runSimCommand(args, io, { signal: stop.signal });
  try {
    const port = await waitFor(
      'the simulator to print its URL',
      () => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1],
      30_000,
    );
    const check = async (p: string): Promise<number> => {
      const [cmd, ...rest] = hc.test!.slice(1).map((a) => a.replace(`:${simPort}/`, `:${p}/`));
      return new Promise((resolve) => {
        execFile(cmd!, rest, { timeout: 30_000 }, (err) =>
          resolve(err ? Number((err as { code?: number }).code ?? 1) : 0),
        );
      });
    };
    assert.equal(await check(port), 0, 'healthcheck passes against the running simulator');
    stop.abort();
    assert.equal(await exited, 0);
    assert.notEqual(await check(port), 0, 'healthcheck fails once the simulator is gone');
  } finally {
    stop.abort();
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the CLI runs inside the container and reads the database in pxr run's volume", () => {
  // `docker compose exec pxr pxr get …`: pxr is on the PATH and is the entrypoint's script.
  assert.match(dockerfile, /ln -s \/app\/bin\/pxr\.js \/usr\/local\/bin\/pxr\b/);
  assert.match(readFileSync(new URL('bin/pxr.js', root), 'utf8'), /^#!\/usr\/bin\/env node\n/);
  assert.ok(statSync(new URL('bin/pxr.js', root)).mode & 0o111, 'bin/pxr.js is executable');
  // Without --db the read-only commands open PXR_DB: the database `pxr run` writes, in a volume.
  const db = dockerEnv('PXR_DB');
  assert.ok(db, 'the image sets PXR_DB');
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
  assert.equal(argAfter(cmd, '--db'), db, "the image's CMD writes PXR_DB");
  assert.match(
    dockerfile,
    new RegExp(`^VOLUME \\[".*${db.slice(0, db.lastIndexOf('/'))}"\\]`, 'm'),
  );
  for (const name of ['pxr', 'pxr-sim']) {
    const svc = compose.services[name]!;
    assert.equal(argAfter(svc.command, '--db'), db, `${name} runs with the image's PXR_DB`);
    const vol = mountOf(svc, db);
    assert.ok(vol && vol in compose.volumes, `${name}: ${db} is in a named volume`);
  }
  for (const cmd of [
    'docker compose exec pxr pxr get ',
    'docker compose --profile sim exec pxr-sim',
  ])
    assert.ok(readme.includes(cmd), `README shows '${cmd}'`);
});

test('a CA file can be given to pxr through a read-only mount', () => {
  const pxr = compose.services.pxr!;
  const env = pxr.environment as Record<string, string>;
  // Empty when unset, which pxr treats as not given.
  assert.equal(env.PXR_PVE_CA_FILE, '${PXR_PVE_CA_FILE:-}');
  const example = /PXR_PVE_CA_FILE=(\/\S+?\.pem)/.exec(readme)?.[1];
  assert.ok(example, 'README shows a PXR_PVE_CA_FILE path for compose');
  const source = mountOf(pxr, example) ?? '';
  assert.ok(source.startsWith('./'), `${example} is under a host folder mount`);
  const entry = (pxr.volumes as string[]).find((v) => v.startsWith(`${source}:`))!;
  assert.match(entry, /:ro$/, 'the CA folder is mounted read-only');
  assert.match(readFileSync(new URL(`${source.slice(2)}/README.md`, root), 'utf8'), /\.pem/);
});

test('the Dockerfile builds on Node 24, runs as non-root and checks /healthz', () => {
  const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  assert.ok(froms.length >= 1);
  for (const f of froms) assert.match(f!, /^node:24/);
  assert.match(dockerfile, /^USER node$/m);
  assert.match(dockerfile, /HEALTHCHECK[\s\S]*\/healthz/);
  assert.match(dockerfile, /ENTRYPOINT \["node", "\/app\/bin\/pxr\.js"\]/);
});
