/**
 * The Certificate reconciler against the simulator over HTTP (real proxmox-api client), on a
 * ManualClock shared by the simulator and the reconciler, with the Issuer reconciler on the same
 * data directory: issue and install, read back by fingerprint, a node certificate replaced behind
 * pxr's back detected (as drift, in the plan `pxr diff` prints) and restored, renewal exactly at
 * notAfter − lifetime/3, re-issue on a SAN change, rotationPolicy Never, on a duration change, a crash between issuance
 * and install, and Ready=False at notAfter.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../src/core/clock.js';
import { isTerminal } from '../../../src/core/errors.js';
import { alertsOfError, type ObjectPlan } from '../../../src/core/kind.js';
import { createCertificateReconciler } from '../../../src/kinds/certificate/reconciler.js';
import { storedPath } from '../../../src/kinds/certificate/stored.js';
import { caPaths } from '../../../src/kinds/issuer/ca-source.js';
import { createIssuerReconciler } from '../../../src/kinds/issuer/reconciler.js';
import type { PveClient } from '../../../src/pve/types.js';
import { issueCert, createCa } from '../../../src/sim/certs/pki.js';
import { simPveClient, startSim, type StartedSim } from '../../helpers/sim.js';
import { certObj, Harness, issuerObj, outcome } from './harness.js';

const DAY = 86_400_000;

describe('Certificate reconciler against the simulator', () => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0, 500));
  const dataDir = mkdtempSync(join(tmpdir(), 'pxr-cert-'));
  let s: StartedSim;
  let pve: PveClient;
  let h: Harness;
  const issuers = createIssuerReconciler({ dataDir });
  let certs: ReturnType<typeof createCertificateReconciler>;
  const ca = issuerObj('ca', { ca: { duration: '87600h' } });
  const installs = (): number => pve.calls()['POST /nodes/{node}/certificates/custom']?.count ?? 0;
  const served = async (): Promise<string> => {
    const info = await pve.get<{ filename: string; fingerprint: string }[]>(
      '/nodes/pve/certificates/info',
    );
    return info.find((i) => i.filename === 'pveproxy-ssl.pem')?.fingerprint ?? 'none';
  };
  const to = (t: number): void => clock.advance(t - clock.now());
  const stored = (name: string): X509Certificate =>
    new X509Certificate(readFileSync(storedPath(dataDir, name)));
  const planOf = async (o: ReturnType<typeof certObj>): Promise<ObjectPlan> => {
    const p = await h.plan(certs, o);
    assert.ok(!(p instanceof Error), p instanceof Error ? p.message : '');
    return p;
  };

  before(async () => {
    s = await startSim({ clock });
    pve = simPveClient(s, clock);
    h = new Harness(clock);
    certs = createCertificateReconciler({ pve, dataDir });
  });
  after(async () => {
    await pve.close();
    await s.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const ui = certObj('ui', {
    commonName: 'pve.lab.internal',
    dnsNames: ['pve.lab.internal', 'pve'],
    ipAddresses: ['192.168.100.10'],
    duration: '720h',
  });

  test('waits for its Issuer, then issues, stores (0600), installs and reads back', async () => {
    const waiting = outcome(await h.pass(certs, ui));
    assert.equal(waiting.notReady?.reason, 'IssuerNotReady');
    assert.equal(installs(), 0);

    outcome(await h.pass(issuers, ca));
    const o = outcome(await h.pass(certs, ui));
    assert.equal(o.notReady, undefined, JSON.stringify(o));
    assert.equal(o.events?.[0]?.reason, 'Issued');
    assert.equal(installs(), 1);
    const leaf = stored('ui');
    assert.equal(statSync(storedPath(dataDir, 'ui')).mode & 0o777, 0o600);
    assert.equal(await served(), leaf.fingerprint256, 'the node serves what pxr stored');
    const caCert = new X509Certificate(readFileSync(caPaths(dataDir, 'ca').cert));
    assert.ok(leaf.verify(caCert.publicKey) && leaf.checkIssued(caCert), 'signed by the CA');
    assert.equal(leaf.checkIP('192.168.100.10'), '192.168.100.10');
    assert.equal(o.observed?.['fingerprint'], leaf.fingerprint256);
    assert.equal(o.observed?.['serial'], leaf.serialNumber);
    // Issued at 12:00:00.500: times are whole seconds, the lifetime is exactly 720 h.
    const notBefore = Date.UTC(2026, 5, 1, 12, 0, 0);
    assert.equal(o.observed?.['notBefore'], new Date(notBefore).toISOString());
    assert.equal(o.observed?.['notAfter'], new Date(notBefore + 30 * DAY).toISOString());
    assert.equal(o.observed?.['renewalTime'], new Date(notBefore + 20 * DAY).toISOString());
    assert.ok(o.requeueAfterMs! > 0 && o.requeueAfterMs! <= 3_600_000);

    const again = outcome(await h.pass(certs, ui));
    assert.equal(installs(), 1, 'a converged pass installs nothing');
    assert.equal(again.events, undefined);
    assert.deepEqual((await planOf(ui)).changes, []);
  });

  test('a node certificate replaced behind pxr is drift: planned, restored, reported', async () => {
    const other = await createCa({
      subject: 'CN=someone',
      notBefore: new Date(clock.now() - DAY),
      notAfter: new Date(clock.now() + DAY),
      key: 'ecdsa-p256',
    });
    const theirs = await issueCert(other, {
      subject: 'CN=by hand',
      sans: ['pve'],
      notBefore: new Date(clock.now() - DAY),
      notAfter: new Date(clock.now() + DAY),
      key: 'ecdsa-p256',
    });
    await pve.post('/nodes/pve/certificates/custom', {
      certificates: theirs.cert,
      key: theirs.key,
      force: 1,
      restart: 1,
    });
    const theirFp = new X509Certificate(theirs.cert).fingerprint256;
    assert.equal(await served(), theirFp);
    const plan = await planOf(ui);
    assert.deepEqual(
      plan.changes.map((c) => [c.field, c.drift, c.actual]),
      [['targets.node', true, theirFp]],
    );
    const before = installs();
    const o = outcome(await h.pass(certs, ui));
    assert.equal(installs(), before + 1);
    assert.equal(await served(), stored('ui').fingerprint256, 'restored');
    assert.equal(o.drift?.[0]?.field, 'targets.node');
    assert.equal(o.driftCorrected, true);
  });

  test('pxr/drift: alert reports the replaced certificate and leaves it', async () => {
    const alerting = { ...ui, annotations: { 'pxr/drift': 'alert' } };
    const mine = stored('ui').fingerprint256;
    const self = await createCa({
      subject: 'CN=by hand again',
      notBefore: new Date(clock.now() - DAY),
      notAfter: new Date(clock.now() + DAY),
      key: 'ecdsa-p256',
    });
    await pve.post('/nodes/pve/certificates/custom', {
      certificates: self.cert,
      key: self.key,
      force: 1,
      restart: 1,
    });
    const before = installs();
    const o = outcome(await h.pass(certs, alerting));
    assert.equal(installs(), before, 'nothing installed under alert');
    assert.equal(o.driftCorrected, false);
    assert.notEqual(await served(), mine);
    outcome(await h.pass(certs, ui));
    assert.equal(await served(), mine, 'corrected again once the policy allows it');
  });

  test('renewal: nothing before the renewal time, a new certificate at it', async () => {
    const first = stored('ui');
    const renewAt = Date.parse(first.validFrom) + 20 * DAY;
    to(renewAt - 1000);
    assert.deepEqual((await planOf(ui)).changes, [], 'one second before: nothing to do');
    to(renewAt);
    const plan = await planOf(ui);
    assert.equal(plan.changes[0]?.field, 'certificate');
    assert.match(String(plan.changes[0]?.desired), /renewal due/);
    assert.equal(plan.changes[0]?.drift, false, 'time passing is not drift');
    const o = outcome(await h.pass(certs, ui));
    const second = stored('ui');
    assert.notEqual(second.serialNumber, first.serialNumber);
    assert.equal(await served(), second.fingerprint256);
    assert.equal(Date.parse(second.validFrom), renewAt);
    assert.notEqual(
      second.publicKey.export({ type: 'spki', format: 'pem' }),
      first.publicKey.export({ type: 'spki', format: 'pem' }),
      'rotationPolicy Always: a new key',
    );
    assert.equal(o.observed?.['serial'], second.serialNumber);
  });

  test('a SAN change re-issues; rotationPolicy Never keeps the key', async () => {
    const first = stored('ui');
    const changed = {
      ...ui,
      generation: 2,
      spec: {
        ...ui.spec,
        ipAddresses: ['192.168.100.10', 'fd00::10'],
        privateKey: { algorithm: 'ECDSA' as const, rotationPolicy: 'Never' as const },
      },
    };
    const plan = await planOf(changed);
    assert.match(String(plan.changes[0]?.desired), /names changed/);
    outcome(await h.pass(certs, changed));
    const second = stored('ui');
    assert.equal(second.checkIP('fd00::10'), 'fd00::10');
    assert.equal(
      second.publicKey.export({ type: 'spki', format: 'pem' }),
      first.publicKey.export({ type: 'spki', format: 'pem' }),
    );
    const rsa = {
      ...changed,
      generation: 3,
      spec: {
        ...changed.spec,
        privateKey: { algorithm: 'RSA' as const, size: 2048, rotationPolicy: 'Never' as const },
      },
    };
    assert.match(String((await planOf(rsa)).changes[0]?.desired), /key parameters changed/);
    outcome(await h.pass(certs, rsa));
    assert.equal(stored('ui').publicKey.asymmetricKeyType, 'rsa');
  });

  test('a change of duration alone re-issues with the new lifetime; the same one spelled otherwise does not', async () => {
    const first = stored('ui');
    const base = {
      ...ui,
      spec: {
        ...ui.spec,
        ipAddresses: ['192.168.100.10', 'fd00::10'],
        privateKey: { algorithm: 'RSA' as const, size: 2048, rotationPolicy: 'Never' as const },
      },
    };
    assert.deepEqual((await planOf(base)).changes, [], 'converged before');
    const longer = { ...base, generation: 4, spec: { ...base.spec, duration: '1440h' } };
    const plan = await planOf(longer);
    assert.match(String(plan.changes[0]?.desired), /duration changed \(720h → 1440h\)/);
    const o = outcome(await h.pass(certs, longer));
    const second = stored('ui');
    assert.notEqual(second.serialNumber, first.serialNumber);
    assert.equal(Date.parse(second.validTo) - Date.parse(second.validFrom), 60 * DAY);
    assert.equal(await served(), second.fingerprint256);
    assert.equal(o.observed?.['duration'], '1440h');
    const sameInDays = { ...longer, generation: 5, spec: { ...longer.spec, duration: '60d' } };
    assert.deepEqual((await planOf(sameInDays)).changes, [], '60d is 1440h: nothing to issue');
    outcome(await h.pass(certs, sameInDays));
    assert.equal(stored('ui').serialNumber, second.serialNumber);
  });

  test('a duration change whose install fails issues once: the retry installs the stored one', async () => {
    const cur = h.objects.get('Certificate/ui') as typeof ui;
    const doc = { ...cur, generation: 6, spec: { ...cur.spec, duration: '2000h' } };
    const failing: PveClient = {
      ...pve,
      post: async <T>(path: string, params?: Record<string, never>): Promise<T> => {
        if (path.endsWith('/certificates/custom')) throw new Error('node refuses the upload');
        return pve.post<T>(path, params);
      },
    };
    const r = await h.pass(createCertificateReconciler({ pve: failing, dataDir }), doc);
    assert.ok(r instanceof Error);
    const issued = stored('ui');
    assert.equal(Date.parse(issued.validTo) - Date.parse(issued.validFrom), 2000 * 3_600_000);
    const plan = await planOf(doc);
    assert.deepEqual(
      plan.changes.map((c) => c.field),
      ['targets.node'],
      'only the install is planned, no new issuance',
    );
    outcome(await h.pass(certs, doc));
    assert.equal(stored('ui').serialNumber, issued.serialNumber, 'not issued again');
    assert.equal(await served(), issued.fingerprint256);
  });

  test('a second Certificate for the same node stalls (TargetConflict); the first keeps it', async () => {
    const second = certObj('zz-second', { dnsNames: ['second.lab.internal'] });
    const r = await h.pass(certs, second);
    assert.ok(isTerminal(r), JSON.stringify(r));
    assert.equal(r.reason, 'TargetConflict');
    assert.match(r.message, /Certificate\/ui/);
    h.objects.delete('Certificate/zz-second');
  });

  test('a crash between issuance and install installs the stored certificate, no new issuance', async () => {
    const doc = certObj('crash', { dnsNames: ['crash.lab.internal'], duration: '24h' });
    // A node serves one certificate: the earlier objects are gone from the source.
    h.objects.delete('Certificate/ui');
    let fail = true;
    const dying: PveClient = {
      ...pve,
      post: async <T>(path: string, params?: Record<string, never>): Promise<T> => {
        if (fail && path.endsWith('/certificates/custom')) {
          fail = false;
          throw new Error('connection reset (the controller died here)');
        }
        return pve.post<T>(path, params);
      },
    };
    const r = await h.pass(createCertificateReconciler({ pve: dying, dataDir }), doc);
    assert.ok(r instanceof Error);
    const issued = stored('crash');
    // A new controller: status from before the crash has no record of this certificate.
    h.status.delete('Certificate/crash');
    const restarted = createCertificateReconciler({ pve, dataDir });
    const plan = await h.plan(restarted, doc);
    assert.ok(!(plan instanceof Error));
    assert.deepEqual(
      plan.changes.map((c) => [c.field, c.drift]),
      [['targets.node', false]],
      'only the install is planned, and it is not drift',
    );
    const o = outcome(await h.pass(restarted, doc));
    assert.equal(stored('crash').serialNumber, issued.serialNumber, 'not issued again');
    assert.equal(await served(), issued.fingerprint256);
    assert.deepEqual(
      o.events?.map((e) => e.reason),
      ['Installed'],
    );
  });

  test('Ready turns False at notAfter even when nothing can be issued', async () => {
    const doc = certObj('short', { dnsNames: ['short.lab.internal'], duration: '1h' });
    h.objects.delete('Certificate/crash');
    outcome(await h.pass(certs, doc));
    const notAfter = Date.parse(stored('short').validTo);
    // The Issuer goes away (not Ready): renewal cannot happen.
    h.status.set('Issuer/ca', { ready: false, observed: {}, observedGeneration: 1 });
    to(notAfter - 1000);
    assert.equal(outcome(await h.pass(certs, doc)).notReady?.reason, 'IssuerNotReady');
    to(notAfter);
    const o = outcome(await h.pass(certs, doc));
    assert.equal(o.notReady?.reason, 'Expired');
    h.status.set('Issuer/ca', { ready: true, observed: {}, observedGeneration: 1 });
    const back = outcome(await h.pass(certs, doc));
    assert.equal(back.notReady, undefined);
    assert.match(String(back.events?.[0]?.message), /expired at/);
  });

  test('a plan that fails (node unreachable) still reports the expiry alerts', async () => {
    const doc = h.objects.get('Certificate/short') as ReturnType<typeof certObj>;
    to(Date.parse(stored('short').validTo));
    const unreachable: PveClient = {
      ...pve,
      get: async <T>(path: string, params?: Record<string, never>): Promise<T> => {
        if (path.endsWith('/certificates/info')) throw new Error('connect ECONNREFUSED');
        return pve.get<T>(path, params);
      },
    };
    const r = await h.plan(createCertificateReconciler({ pve: unreachable, dataDir }), doc);
    assert.ok(r instanceof Error);
    assert.deepEqual(
      alertsOfError(r)
        ?.filter((a) => a.firing)
        .map((a) => a.reason),
      ['RenewalOverdue', 'CertificateExpired'],
    );
  });
});
