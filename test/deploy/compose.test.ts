/**
 * No Docker engine runs here, so the compose file and Dockerfile are checked structurally: the
 * wiring they promise (git-sync volume → pxr manifests, SQLite in a named volume, the sim profile)
 * must actually be there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const root = new URL('../../', import.meta.url);
const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8')) as {
  services: Record<string, Record<string, unknown>>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { file: string }>;
};
const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');

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

test('every service uses images or builds that exist in this repository', () => {
  for (const [name, svc] of Object.entries(compose.services)) {
    assert.ok(svc.image || svc.build, `${name} has an image or a build`);
    if (svc.image === 'pxr:local') assert.ok(true);
  }
});

test('the Dockerfile builds on Node 24, runs as non-root and checks /healthz', () => {
  const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  assert.ok(froms.length >= 1);
  for (const f of froms) assert.match(f!, /^node:24/);
  assert.match(dockerfile, /^USER node$/m);
  assert.match(dockerfile, /HEALTHCHECK[\s\S]*\/healthz/);
  assert.match(dockerfile, /ENTRYPOINT \["node", "\/app\/bin\/pxr\.js"\]/);
});
