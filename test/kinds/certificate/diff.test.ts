/**
 * `pxr diff` shows what a Certificate pass would do, through the CLI with a read-only token against
 * the simulator: converged → in sync; the node certificate replaced by hand → a drifted change of
 * `targets.node` (the served fingerprint against pxr's); a renewal that fell due → a `certificate`
 * change. Nothing is written to Proxmox or issued.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DiffReport } from '../../../src/cli/diff-report.js';
import { createCa } from '../../../src/sim/certs/pki.js';
import { runCli } from '../../helpers/cli.js';
import { waitFor } from '../../helpers/wait.js';
import { startHarness, type Harness } from '../../e2e/harness.js';

const READ_ONLY = 'pxr@pve!readonly';
const SECRET = '5c1d7e2a-9b3f-4a6e-8d20-1f4c6b8a9e30';

const doc = (name: string, extra: string): string => `apiVersion: pxr/v1alpha1
kind: Certificate
metadata: { name: ${name} }
spec:
  issuerRef: { name: ca }
  dnsNames: [${name}.lab.internal]
  targets: { node: { name: pve } }
${extra}`;

const ISSUER = `apiVersion: pxr/v1alpha1
kind: Issuer
metadata: { name: ca }
spec: { ca: {} }
`;

describe('pxr diff: certificates', () => {
  let h: Harness;
  let secretFile: string;
  const diff = async (): Promise<{ code: number; report: DiffReport; err: string }> => {
    const r = await runCli(
      [
        'diff',
        h.manifests,
        '--db',
        h.db,
        '--pve-url',
        h.sim.url,
        '--pve-token-id',
        READ_ONLY,
        '--pve-token-secret-file',
        secretFile,
        '-o',
        'json',
      ],
      h.dir,
    );
    return { code: r.code, report: JSON.parse(r.out || '{}') as DiffReport, err: r.err };
  };
  const ready = (name: string) => () =>
    h.app.store.status
      .get({ kind: 'Certificate', name })
      ?.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
  const writes = (): number => h.sim.sim.requests.list().filter((r) => r.method !== 'GET').length;

  before(async () => {
    h = await startHarness({
      files: { 'ca.yaml': ISSUER, 'ui.yaml': doc('ui', '  duration: 720h\n') },
    });
    h.sim.sim.state.tokens[READ_ONLY] = { secret: SECRET, privs: ['Sys.Audit'] };
    secretFile = join(h.dir, 'token-secret');
    writeFileSync(secretFile, SECRET, { mode: 0o600 });
  });
  after(() => h.close());

  test('converged: in sync; replaced by hand: a drifted targets.node change', async () => {
    await waitFor('Certificate/ui Ready', ready('ui'), 60_000);
    await h.app.manager.waitForIdle();
    const same = await diff();
    assert.equal(same.code, 0, same.err);
    assert.equal(same.report.summary.change, 0);

    // The controller stops first: it would correct the replacement before diff could see it.
    await h.app.stop();
    const other = await createCa({
      subject: 'CN=by hand',
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 86_400_000),
      key: 'ecdsa-p256',
    });
    await h.pve.post('/nodes/pve/certificates/custom', {
      certificates: other.cert,
      key: other.key,
      force: 1,
      restart: 1,
    });
    const stored = readFileSync(join(h.dir, 'certs', 'certificates', 'ui.pem'), 'utf8');
    const before = writes();
    const r = await diff();
    assert.equal(r.code, 1, r.err);
    const ui = r.report.objects.find((o) => o.name === 'ui');
    assert.equal(ui?.changes.length, 1, JSON.stringify(ui));
    const c = ui.changes[0]!;
    assert.equal(c.field, 'targets.node');
    assert.equal(c.drift, true);
    assert.match(String(c.actual), /^[0-9A-F:]{95}$/);
    assert.notEqual(c.actual, c.desired);
    assert.match(c.calls[0] ?? '', /^POST \/nodes\/pve\/certificates\/custom/);
    assert.equal(writes(), before, 'diff wrote nothing to Proxmox');
    assert.equal(
      readFileSync(join(h.dir, 'certs', 'certificates', 'ui.pem'), 'utf8'),
      stored,
      'nor issued anything',
    );
  });

  test('a renewal that fell due is a certificate change', async () => {
    await h.restart();
    // A node serves one certificate: ui gives way to soon.
    h.remove('ui.yaml');
    // 100 s with 99% renewBefore: due one second after issuance.
    h.write('soon.yaml', doc('soon', '  duration: 100s\n  renewBeforePercentage: 99\n'));
    await waitFor('Certificate/soon Ready', ready('soon'), 60_000);
    await h.app.stop();
    const r = await waitFor(
      'pxr diff showing the renewal',
      async () => {
        const d = await diff();
        const soon = d.report.objects?.find((o) => o.name === 'soon');
        return soon?.changes.some((c) => c.field === 'certificate') ? soon : undefined;
      },
      30_000,
      500,
    );
    const c = r.changes.find((x) => x.field === 'certificate')!;
    assert.match(String(c.desired), /renewal due/);
    assert.equal(c.drift, false);
  });
});
