/**
 * The expiry alert reaches people (the controller as `pxr run` wires it, a real local HTTP receiver
 * as the Slack sink, the real notifier): a short-lived certificate whose Issuer breaks cannot be
 * renewed; 2 s (the grace) past its renewal time a RenewalOverdue warning is sent, at notAfter a
 * CertificateExpired critical one, each once; once the Issuer is fixed the certificate is renewed and
 * both are resolved (Renewed, one line). Nothing fires while the certificate is fresh.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../helpers/wait.js';
import { Receiver } from '../../alerts/receiver.js';
import { startHarness, type Harness } from '../../e2e/harness.js';

const issuer = (spec: string): string => `apiVersion: pxr/v1alpha1
kind: Issuer
metadata: { name: ca }
spec: ${spec}
`;

const CERT = `apiVersion: pxr/v1alpha1
kind: Certificate
metadata: { name: short }
spec:
  issuerRef: { name: ca }
  dnsNames: [short.lab.internal]
  duration: 20s
  renewBefore: 15s
`;

describe('certificate expiry alert through the alert sink', () => {
  let h: Harness;
  const slack = new Receiver();
  const texts = (): string[] => slack.requests.map((_, i) => slack.json<{ text: string }>(i).text);
  const sent = (re: RegExp): number => texts().filter((t) => re.test(t)).length;

  before(async () => {
    await slack.start();
    h = await startHarness({
      resyncMs: 500,
      files: { 'issuer.yaml': issuer('{ ca: {} }'), 'cert.yaml': CERT },
      kindTuning: { Certificate: { expiryAlertGraceMs: 2_000 } },
      app: {
        alerts: {
          sinks: [{ name: 'ops', type: 'slack', url: `${slack.url}/services/T/B/secret` }],
          groupWaitMs: 100,
          groupIntervalMs: 200,
          repeatIntervalMs: 3_600_000,
        },
        notifier: { tickMs: 50 },
      },
    });
  });
  after(async () => {
    await h.close();
    await slack.close();
  });

  const observed = (k: string): unknown =>
    h.app.store.status.get({ kind: 'Certificate', name: 'short' })?.observed[k];

  test('overdue, then expired, each told once; resolved once renewed', async () => {
    await waitFor('Certificate/short issued', () => observed('serial') !== undefined, 60_000);
    const serial = observed('serial');
    const notAfter = Date.parse(String(observed('notAfter')));
    const renewAt = Date.parse(String(observed('renewalTime')));
    assert.equal(notAfter - renewAt, 15_000);
    assert.equal(slack.requests.length, 0, 'a fresh certificate alerts nobody');
    // The Issuer breaks (a CA file that is not there): renewal cannot happen.
    h.write(
      'issuer.yaml',
      issuer('{ ca: { certFile: /nonexistent/ca.crt, keyFile: /nonexistent/ca.key } }'),
    );
    await waitFor(
      'the RenewalOverdue warning at the sink',
      () => sent(/\[WARNING\] renewal overdue: Certificate\/short: not renewed since/) === 1,
      60_000,
    );
    assert.ok(Date.now() >= renewAt + 2_000, 'not before renewalTime + grace');
    assert.equal(sent(/certificate expired/), 0, 'not expired yet');
    await waitFor(
      'the CertificateExpired critical alert at the sink',
      () => sent(/\[CRITICAL\] certificate expired: Certificate\/short: expired at/) === 1,
      60_000,
    );
    assert.ok(Date.now() >= notAfter);
    assert.equal(observed('serial'), serial, 'not renewed meanwhile');

    h.write('issuer.yaml', issuer('{ ca: {} }'));
    await waitFor(
      'the renewal told at the sink',
      () => sent(/\[INFO\] renewed: Certificate\/short: renewed: serial/) === 1,
      60_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; sent: ${JSON.stringify(texts())}`);
    });
    // Both states resolved (one fingerprint, Renewed: one line tells both).
    for (const k of ['certificate-overdue', 'certificate-expired'])
      assert.ok(h.app.store.alerts.get(`${k}/Certificate/short/resolved`), `${k} resolved`);
    assert.notEqual(observed('serial'), serial, 'a new certificate');
    assert.equal(sent(/renewal overdue/), 1, 'the overdue alert was sent once');
    assert.equal(sent(/certificate expired/), 1, 'the expired alert was sent once');
  });
});
