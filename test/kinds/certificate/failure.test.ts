/**
 * A node that refuses the upload (the controller as `pxr run` builds it, the simulator over HTTP):
 * the pass fails with a Warning event, is retried with growing delays (the runtime's capped
 * backoff; the harness caps it at 500 ms), the issued certificate is kept and not issued again
 * on each retry, the node keeps serving what it served, and an error that echoes the request
 * (the key!) reaches the event with its PEM blocks redacted. Once the node accepts, it converges.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Params, PveClient } from '../../../src/pve/types.js';
import { waitFor } from '../../helpers/wait.js';
import { startHarness, type Harness } from '../../e2e/harness.js';

const MANIFEST = `apiVersion: pxr/v1alpha1
kind: Issuer
metadata: { name: ca }
spec: { ca: {} }
---
apiVersion: pxr/v1alpha1
kind: Certificate
metadata: { name: ui }
spec:
  issuerRef: { name: ca }
  dnsNames: [ui.lab.internal]
  targets: { node: { name: pve } }
`;

describe('a node refusing the certificate', () => {
  let h: Harness;
  let refuse = true;
  const attempts: number[] = [];
  before(async () => {
    h = await startHarness({
      files: { 'certs.yaml': MANIFEST },
      firstPve: (pve): PveClient => ({
        ...pve,
        post: async <T>(path: string, params?: Params): Promise<T> => {
          if (refuse && path.endsWith('/certificates/custom')) {
            attempts.push(Date.now());
            // A server that echoes what it was sent, key included.
            throw new Error(`500 cannot parse ${String(params?.['key'])}`);
          }
          return pve.post<T>(path, params);
        },
      }),
    });
  });
  after(() => h.close());

  test('fails with a Warning event, retries with growing delays, never re-issues', async () => {
    await waitFor('five refused installs', () => attempts.length >= 5, 60_000);
    const events = h.app.store.events.list({ ref: { kind: 'Certificate', name: 'ui' } });
    const warning = events.find((e) => e.type === 'Warning');
    assert.ok(warning, JSON.stringify(events));
    assert.match(warning.message, /installing the certificate on node pve failed/);
    assert.match(warning.message, /\[PEM redacted\]/);
    assert.ok(!warning.message.includes('PRIVATE KEY'));
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    assert.ok(gaps[3]! > gaps[0]!, `delays grow: ${gaps.join(', ')} ms`);
    assert.equal(
      events.filter((e) => e.reason === 'Issued').length,
      1,
      'issued once: retries install the stored certificate',
    );
    const info = await h.pve.get<{ filename: string }[]>('/nodes/pve/certificates/info');
    assert.ok(!info.some((i) => i.filename === 'pveproxy-ssl.pem'), 'the node serves its own');
    const status = h.app.store.status.get({ kind: 'Certificate', name: 'ui' });
    assert.ok(status?.conditions.some((c) => c.type === 'Ready' && c.status === 'False'));
  });

  test('once the node accepts, the stored certificate is installed and Ready', async () => {
    const stored = readFileSync(join(h.dir, 'certs', 'certificates', 'ui.pem'), 'utf8');
    refuse = false;
    await waitFor(
      'Certificate/ui Ready',
      () =>
        h.app.store.status
          .get({ kind: 'Certificate', name: 'ui' })
          ?.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
      60_000,
    );
    assert.equal(readFileSync(join(h.dir, 'certs', 'certificates', 'ui.pem'), 'utf8'), stored);
  });
});
