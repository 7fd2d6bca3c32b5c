/**
 * The files target with simulated containers (the runtime's plan → admit → apply through the
 * harness, the Issuer reconciler on the same data directory, a ManualClock): a Certificate whose
 * AppContainer does not exist yet is issued and stored but not Ready; once the container has a
 * VMID the key (0600, or `mode`), chain and certificate are written, given to `owner`, and the
 * reload command runs after them; read back on every pass (a converged pass writes nothing); a
 * certificate file, key file or key mode changed by hand is drift, corrected (reload again) or
 * only reported under `pxr/drift: alert`; a failing reload fails the pass; renewal rewrites the
 * files; a second Certificate for the same file stalls; the plan never shows key material.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../src/core/clock.js';
import { isTerminal } from '../../../src/core/errors.js';
import type { StoredObject } from '../../../src/core/kind.js';
import { createCertificateReconciler } from '../../../src/kinds/certificate/reconciler.js';
import type { CertificateSpec } from '../../../src/kinds/certificate/schema.js';
import { parseStored, storedPath } from '../../../src/kinds/certificate/stored.js';
import { defaultContainerTransports } from '../../../src/kinds/certificate/targets/container-transport.js';
import { SimulatedContainer } from '../../../src/kinds/certificate/targets/simulated-container.js';
import { createIssuerReconciler } from '../../../src/kinds/issuer/reconciler.js';
import type { PveClient } from '../../../src/pve/types.js';
import { simPveClient, startSim, type StartedSim } from '../../helpers/sim.js';
import { certObj, Harness, issuerObj, outcome } from './harness.js';

const DAY = 86_400_000;
type FileTarget = CertificateSpec['targets']['files'][number];

const webFiles: FileTarget = {
  container: 'web',
  certificate: '/etc/ssl/web.crt',
  chain: '/etc/ssl/ca.crt',
  key: '/etc/ssl/private/web.key',
  mode: '0640',
  owner: 'root:ssl-cert',
  reloadCommand: ['systemctl', 'reload', 'nginx'],
  access: { transport: 'simulated', port: 22, user: 'root' },
};

function appContainer(name: string): StoredObject {
  return {
    kind: 'AppContainer',
    name,
    uid: `uid-ct-${name}`,
    generation: 1,
    specHash: 'h',
    spec: { node: 'pve' },
    labels: {},
    annotations: {},
    sourceFile: 'ct.yaml',
    deletionRequested: false,
    finalizers: [],
  };
}

describe('Certificate files target (simulated container)', () => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
  const dataDir = mkdtempSync(join(tmpdir(), 'pxr-cert-files-'));
  const transports = defaultContainerTransports({ clock });
  let s: StartedSim;
  let pve: PveClient;
  let h: Harness;
  let certs: ReturnType<typeof createCertificateReconciler>;
  const issuers = createIssuerReconciler({ dataDir });
  const ca = issuerObj('ca', { ca: { duration: '87600h' } });
  const web = certObj('web', {
    dnsNames: ['web.lab.internal'],
    duration: '720h',
    targets: { files: [webFiles] },
  });
  const ct = appContainer('web');
  let box: SimulatedContainer;
  const stored = () => parseStored(readFileSync(storedPath(dataDir, 'web'), 'utf8'))!;
  const reloads = (): number =>
    box.commands.filter((c) => c.join(' ') === 'systemctl reload nginx').length;
  const writes = (): number => box.commands.filter((c) => c[0] === 'chown').length;

  before(async () => {
    s = await startSim({ clock });
    pve = simPveClient(s, clock);
    h = new Harness(clock);
    certs = createCertificateReconciler({ pve, dataDir, containerTransports: transports });
    outcome(await h.pass(issuers, ca));
  });
  after(async () => {
    await transports.closeAll();
    await pve.close();
    await s.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('no container yet: issued and stored, not Ready, nothing written', async () => {
    const o = outcome(await h.pass(certs, web));
    assert.equal(o.notReady?.reason, 'TargetNotReady');
    assert.match(o.notReady?.message ?? '', /AppContainer\/web does not exist/);
    assert.equal(o.observed?.['fingerprint'], stored().fingerprint);
    h.objects.set('AppContainer/web', ct);
    const noVmid = outcome(await h.pass(certs, web));
    assert.match(noVmid.notReady?.message ?? '', /has no VMID yet/);
  });

  test('the container gets its VMID: key, chain and certificate written, owned, reloaded', async () => {
    h.status.set('AppContainer/web', {
      ready: true,
      observed: { vmid: 105, node: 'pve' },
      observedGeneration: 1,
    });
    const plan = await h.plan(certs, web);
    assert.ok(!(plan instanceof Error));
    assert.deepEqual(
      plan.changes.map((c) => [c.field, c.drift]),
      [['targets.files[web:/etc/ssl/web.crt]', false]],
    );
    const o = outcome(await h.pass(certs, web));
    assert.equal(o.notReady, undefined, JSON.stringify(o));
    box = (await transports({
      name: 'web',
      uid: ct.uid,
      node: 'pve',
      vmid: 105,
      access: webFiles.access,
    })) as SimulatedContainer;
    assert.ok(box instanceof SimulatedContainer);
    const cert = stored();
    const file = (p: string) => box.files.get(p)!;
    assert.equal(file('/etc/ssl/private/web.key').content, cert.key);
    assert.equal(file('/etc/ssl/private/web.key').mode, 0o640);
    assert.equal(file('/etc/ssl/web.crt').mode, 0o644);
    assert.equal(
      new X509Certificate(file('/etc/ssl/web.crt').content).fingerprint256,
      cert.fingerprint,
    );
    const caPem = readFileSync(join(dataDir, 'certs', 'issuers', 'ca', 'ca.crt'), 'utf8');
    assert.equal(file('/etc/ssl/ca.crt').content, caPem);
    assert.ok(!file('/etc/ssl/web.crt').content.includes(caPem.trim()), 'the leaf alone');
    for (const p of ['/etc/ssl/web.crt', '/etc/ssl/ca.crt', '/etc/ssl/private/web.key'])
      assert.equal(file(p).owner, 'root:ssl-cert');
    const order = box.commands.map((c) => c[0]);
    assert.ok(order.lastIndexOf('chown') < order.lastIndexOf('systemctl'), 'reload last');
    assert.equal(reloads(), 1);
    assert.deepEqual(o.observed?.['targets'], {
      'targets.files[web:/etc/ssl/web.crt]': {
        place: 'AppContainer/web /etc/ssl/web.crt',
        installedFingerprint: cert.fingerprint,
      },
    });

    const again = outcome(await h.pass(certs, web));
    assert.equal(again.actions, undefined);
    assert.equal(reloads(), 1, 'a converged pass writes nothing and reloads nothing');
  });

  test('a certificate file replaced by hand is drift: planned, restored, reloaded', async () => {
    const theirs = readFileSync(join(dataDir, 'certs', 'issuers', 'ca', 'ca.crt'), 'utf8');
    box.files.get('/etc/ssl/web.crt')!.content = theirs;
    const plan = await h.plan(certs, web);
    assert.ok(!(plan instanceof Error));
    const theirFp = new X509Certificate(theirs).fingerprint256;
    assert.deepEqual(
      plan.changes.map((c) => [c.field, c.drift, c.actual]),
      [['targets.files[web:/etc/ssl/web.crt]', true, theirFp]],
    );
    const o = outcome(await h.pass(certs, web));
    assert.equal(o.driftCorrected, true);
    assert.equal(
      new X509Certificate(box.files.get('/etc/ssl/web.crt')!.content).fingerprint256,
      stored().fingerprint,
    );
    assert.equal(reloads(), 2);
  });

  test('a key file replaced or made readable by hand is drift; the plan shows no key', async () => {
    const key = box.files.get('/etc/ssl/private/web.key')!;
    key.mode = 0o644;
    let plan = await h.plan(certs, web);
    assert.ok(!(plan instanceof Error));
    assert.match(String(plan.changes[0]?.actual), /web\.key mode 644/);
    assert.equal(plan.changes[0]?.drift, true);
    outcome(await h.pass(certs, web));
    assert.equal(box.files.get('/etc/ssl/private/web.key')!.mode, 0o640);

    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const otherPem = other.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    box.files.get('/etc/ssl/private/web.key')!.content = otherPem;
    plan = await h.plan(certs, web);
    assert.ok(!(plan instanceof Error));
    assert.match(String(plan.changes[0]?.actual), /web\.key differs/);
    const shown = JSON.stringify(plan.changes);
    assert.ok(!shown.includes('PRIVATE KEY'), 'no key in the plan');
    for (const line of stored()
      .key.split('\n')
      .filter((l) => l.length > 16))
      assert.ok(!shown.includes(line));
    outcome(await h.pass(certs, web));
    assert.equal(box.files.get('/etc/ssl/private/web.key')!.content, stored().key);
  });

  test('pxr/drift: alert reports a replaced file and leaves it', async () => {
    const alerting = { ...web, annotations: { 'pxr/drift': 'alert' } };
    box.files.get('/etc/ssl/web.crt')!.content = 'hand made\n';
    const before = reloads();
    const o = outcome(await h.pass(certs, alerting));
    assert.equal(o.driftCorrected, false);
    assert.equal(box.files.get('/etc/ssl/web.crt')!.content, 'hand made\n');
    assert.equal(reloads(), before);
    outcome(await h.pass(certs, web));
    assert.notEqual(box.files.get('/etc/ssl/web.crt')!.content, 'hand made\n');
  });

  test('a failing reload command fails the pass (the files are written)', async () => {
    const failing = {
      ...web,
      generation: 2,
      spec: {
        ...web.spec,
        targets: { files: [{ ...webFiles, reloadCommand: ['false'] }] },
      },
    };
    box.files.delete('/etc/ssl/web.crt');
    const r = await h.pass(certs, failing);
    assert.ok(r instanceof Error);
    assert.match(r.message, /reload command \["false"\] in AppContainer\/web failed \(exit 1\)/);
    assert.ok(box.files.has('/etc/ssl/web.crt'));
    const again = await h.plan(certs, failing);
    assert.ok(!(again instanceof Error));
    assert.deepEqual(
      again.changes.map((c) => c.desired),
      [`reload ${stored().fingerprint}`],
      'the reload is planned again while it has not succeeded',
    );
    assert.ok((await h.pass(certs, failing)) instanceof Error, 'retried, not Ready');
    const before = reloads();
    outcome(await h.pass(certs, web));
    assert.equal(reloads(), before + 1, 'a working reload command runs');
    const done = await h.plan(certs, web);
    assert.ok(!(done instanceof Error));
    assert.deepEqual(done.changes, [], 'converged once the reload succeeded');
  });

  test('renewal rewrites the files and reloads', async () => {
    outcome(await h.pass(certs, web));
    const first = stored();
    const before = reloads();
    clock.advance(first.notBefore + 20 * DAY - clock.now());
    outcome(await h.pass(certs, web));
    const second = stored();
    assert.notEqual(second.serial, first.serial);
    assert.equal(
      new X509Certificate(box.files.get('/etc/ssl/web.crt')!.content).fingerprint256,
      second.fingerprint,
    );
    assert.equal(box.files.get('/etc/ssl/private/web.key')!.content, second.key);
    assert.equal(reloads(), before + 1);
    assert.ok(writes() > 0);
  });

  test('a second Certificate writing the same file stalls (TargetConflict)', async () => {
    const second = certObj('zz-web', {
      dnsNames: ['web2.lab.internal'],
      targets: { files: [{ ...webFiles, certificate: '/etc/ssl/other.crt' }] },
    });
    const r = await h.pass(certs, second);
    assert.ok(isTerminal(r), JSON.stringify(r));
    assert.equal(r.reason, 'TargetConflict');
    assert.match(r.message, /Certificate\/web/);
    h.objects.delete('Certificate/zz-web');
  });
});
