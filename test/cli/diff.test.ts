/**
 * `pxr diff` (issue 9): the plan a pass would make, stopped before apply, through the CLI against
 * the simulator over HTTP with a read-only token — nothing managed yet, converged, an edited
 * manifest, drift held by `pxr/drift: alert`, an unreachable endpoint, bad manifests, JSON.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { waitTask } from '../helpers/wait-task.js';
import { bridgeDoc, startHarness, type Harness } from '../e2e/harness.js';
import type { DiffReport } from '../../src/cli/diff-report.js';

const READ_ONLY = 'pxr@pve!readonly';
const SECRET = '0b5a7c1e-2f4d-4c8e-9a61-3d2f7b9e8c10';
/** What PVEAuditor grants: reading, never changing. */
const AUDIT = ['Sys.Audit', 'VM.Audit', 'Datastore.Audit', 'SDN.Audit', 'Pool.Audit'];

const lanDoc = (comment: string, annotations?: Record<string, string>): string =>
  bridgeDoc(
    'lan',
    { iface: 'vmbr7', ports: ['eno2'], cidr: '10.7.0.1/24', comment },
    annotations ? { annotations } : {},
  );

describe('pxr diff', () => {
  let h: Harness;
  let secretFile: string;
  const diff = (
    dir: string,
    args: string[] = [],
    url = h.sim.url,
  ): Promise<{ code: number; out: string; err: string }> =>
    runCli(
      [
        'diff',
        dir,
        '--db',
        h.db,
        '--pve-url',
        url,
        '--pve-token-id',
        READ_ONLY,
        '--pve-token-secret-file',
        secretFile,
        ...args,
      ],
      h.dir,
    );
  const writes = (): number => h.sim.sim.requests.list().filter((r) => r.method !== 'GET').length;

  before(async () => {
    h = await startHarness();
    h.sim.sim.state.tokens[READ_ONLY] = { secret: SECRET, privs: AUDIT };
    secretFile = join(h.dir, 'token-secret');
    writeFileSync(secretFile, SECRET, { mode: 0o600 });
  });
  after(() => h.close());

  test('nothing managed yet: every object is a create, exit 1, and only reads reach Proxmox', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pxr-diff-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'lan.yaml'), lanDoc('lab'));
    const before = writes();
    const r = await diff(dir);
    assert.equal(r.code, 1, r.err);
    assert.match(
      r.out,
      /^Bridge\/lan\n {2}\+ create\n {6}POST \/nodes\/pve\/network iface=vmbr7 /m,
    );
    assert.match(r.out, /^1 to change, 0 in sync, 0 errors$/m);
    assert.equal(writes(), before, 'diff wrote nothing to Proxmox');
    assert.equal(h.app.store.objects.list().length, 0, 'nor to the store');
  });

  test('converged: exit 0, in sync; an edited manifest: exit 1 with the change', async () => {
    h.write('lan.yaml', lanDoc('lab'));
    await waitFor('lan Ready', () =>
      h.app.store.status
        .get({ kind: 'Bridge', name: 'lan' })
        ?.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    await h.app.manager.waitForIdle();
    const same = await diff(h.manifests);
    assert.equal(same.code, 0, same.out + same.err);
    assert.match(same.out, /^0 to change, 1 in sync, 0 errors$/m);

    const edited = mkdtempSync(join(tmpdir(), 'pxr-diff-'));
    after(() => rmSync(edited, { recursive: true, force: true }));
    writeFileSync(join(edited, 'lan.yaml'), lanDoc('lab, edited'));
    const before = writes();
    const r = await diff(edited, ['-o', 'json']);
    assert.equal(r.code, 1, r.err);
    const report = JSON.parse(r.out) as DiffReport;
    const lan = report.objects.find((o) => o.name === 'lan');
    assert.deepEqual(
      lan?.changes.map((c) => [c.field, c.actual, c.desired, c.drift]),
      [['comments', 'lab', 'lab, edited', false]],
    );
    assert.match(lan?.changes[0]?.calls[0] ?? '', /^PUT \/nodes\/pve\/network\/vmbr7 /);
    assert.equal(report.summary.change, 1);
    assert.equal(writes(), before);
  });

  test('drift under pxr/drift: alert is shown as held (exit 1); the controller leaves it', async () => {
    h.write('lan.yaml', lanDoc('lab', { 'pxr/drift': 'alert' }));
    await waitFor(
      'the annotation ingested',
      () =>
        h.app.store.objects.get({ kind: 'Bridge', name: 'lan' })?.annotations['pxr/drift'] ===
        'alert',
    );
    await h.app.manager.waitForIdle();
    await h.pve.updateNetwork('pve', 'vmbr7', {
      type: 'bridge',
      bridge_ports: 'eno3',
      cidr: '10.7.0.1/24',
      comments: 'lab',
    });
    await waitTask(h.pve, 'pve', await h.pve.applyNetwork('pve'), { pollMs: 20 });
    const r = await diff(h.manifests);
    assert.equal(r.code, 1, r.err);
    assert.match(
      r.out,
      /^ {2}! bridge_ports: eno3 → eno2 {2}\(drift; pxr\/drift: alert — reported, not corrected\)$/m,
    );
  });

  test('an unreachable endpoint: exit 2 and one line naming it', async () => {
    const r = await diff(h.manifests, [], 'http://127.0.0.1:9');
    assert.equal(r.code, 2);
    assert.match(r.err, /^pxr diff: cannot reach Proxmox at http:\/\/127\.0\.0\.1:9/m);
    assert.equal(r.out, '');
  });

  test('an invalid manifest: exit 2 with the located error, nothing planned', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pxr-diff-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'bad.yaml'), lanDoc('x').replace('vmbr7', 'proximity-lan'));
    const r = await diff(dir);
    assert.equal(r.code, 2);
    assert.match(r.err, /bad\.yaml:\d+:\d+: Bridge\/lan spec\.iface: invalid interface name/);
    assert.match(r.err, /nothing planned/);
    assert.equal(r.out, '');
  });
});
