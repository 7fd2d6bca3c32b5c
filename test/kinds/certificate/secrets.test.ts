/**
 * Private keys stay in their 0600 files. The controller as `pxr run` builds it (e2e harness: real
 * chokidar, a SQLite file, the simulator over HTTP) issues a CA and a node certificate, then a
 * hand-replaced node certificate is corrected (drift events); afterwards every row of every table
 * of the database (status, events, history, drift...), every log line at debug, `pxr get -o json`,
 * `pxr describe`, `pxr events` and /metrics are searched for the keys' material: none of it is there.
 * The expiry metric is checked on the way.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { createCa } from '../../../src/sim/certs/pki.js';
import { runCli } from '../../helpers/cli.js';
import { waitFor } from '../../helpers/wait.js';
import { startHarness, type Harness } from '../../e2e/harness.js';

const MANIFEST = `apiVersion: pxr/v1alpha1
kind: Issuer
metadata: { name: ca }
spec:
  ca: { commonName: pxr test CA }
---
apiVersion: pxr/v1alpha1
kind: Certificate
metadata: { name: pve-ui }
spec:
  issuerRef: { name: ca }
  dnsNames: [pve.lab.internal]
  ipAddresses: [192.168.100.10]
  duration: 720h
  targets: { node: { name: pve } }
`;

/** The base64 lines of every PEM private key in `text` (each one alone identifies the key). */
function keyLines(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/-----BEGIN [A-Z ]*PRIVATE KEY-----([\s\S]*?)-----END/g)) {
    out.push(...m[1]!.split('\n').filter((l) => l.length >= 16));
  }
  return out;
}

describe('private keys never leave their files', () => {
  let h: Harness;
  const logs: string[] = [];
  before(async () => {
    const log = pino({ level: 'debug' }, { write: (s: string) => void logs.push(s) });
    h = await startHarness({ log, resyncMs: 500, files: { 'certs.yaml': MANIFEST } });
  });
  after(async () => {
    await h.close();
  });

  const fingerprint = (): unknown =>
    h.app.store.status.get({ kind: 'Certificate', name: 'pve-ui' })?.observed['fingerprint'];

  test('issued and installed; a hand-replaced node certificate is corrected', async () => {
    await waitFor(
      'Certificate/pve-ui Ready',
      () =>
        h.app.store.status
          .get({ kind: 'Certificate', name: 'pve-ui' })
          ?.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
      60_000,
    );
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
    await waitFor(
      'the replaced certificate corrected (DriftCorrected event)',
      () =>
        h.app.store.events
          .list({ ref: { kind: 'Certificate', name: 'pve-ui' } })
          .some((e) => e.reason === 'DriftCorrected'),
      60_000,
    );
    const info = await h.pve.get<{ filename: string; fingerprint: string }[]>(
      '/nodes/pve/certificates/info',
    );
    assert.equal(info.find((i) => i.filename === 'pveproxy-ssl.pem')?.fingerprint, fingerprint());
  });

  test('the expiry metric counts down to notAfter', async () => {
    const text = await h.app.probe.metrics();
    const m = /^pxr_certificate_expiry_seconds\{name="pve-ui"\} (\S+)$/m.exec(text);
    assert.ok(m, 'the metric is exported');
    const notAfter = h.app.store.status.get({ kind: 'Certificate', name: 'pve-ui' })?.observed[
      'notAfter'
    ];
    const expected = (Date.parse(String(notAfter)) - Date.now()) / 1000;
    assert.ok(Math.abs(Number(m[1]) - expected) < 60, `${m[1]} ≈ ${expected}`);
    assert.ok(Number(m[1]) > 29 * 86_400);
  });

  test('no key material in the database, logs, CLI output or metrics', async () => {
    const secrets = [
      ...keyLines(readFileSync(join(h.dir, 'certs', 'certificates', 'pve-ui.pem'), 'utf8')),
      ...keyLines(readFileSync(join(h.dir, 'certs', 'issuers', 'ca', 'ca.key'), 'utf8')),
    ];
    assert.ok(secrets.length >= 4, 'both keys were read');

    const haystacks: [string, string][] = [['logs', logs.join('')]];
    const db = new Database(h.db, { readonly: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
        name: string;
      }[];
      for (const { name } of tables) {
        haystacks.push([
          `table ${name}`,
          JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all()),
        ]);
      }
      assert.ok(tables.some((t) => t.name === 'status') && tables.some((t) => t.name === 'events'));
    } finally {
      db.close();
    }
    for (const args of [
      ['get', 'certificates', '-o', 'json'],
      ['get', 'issuers', '-o', 'json'],
      ['get', 'certificates', '-o', 'wide'],
      ['describe', 'certificate/pve-ui'],
      ['describe', 'issuer/ca'],
      ['events'],
    ]) {
      const r = await runCli([...args, '--db', h.db], h.dir);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
      haystacks.push([`pxr ${args.join(' ')}`, r.out + r.err]);
    }
    haystacks.push(['/metrics', await h.app.probe.metrics()]);

    const json = haystacks.find(([n]) => n === 'pxr get certificates -o json')![1];
    assert.ok(json.includes(String(fingerprint())), 'the JSON output is the real status');
    assert.ok(logs.join('').includes('installed serial'), 'the logs cover the install');
    for (const [where, text] of haystacks) {
      assert.ok(!/PRIVATE KEY/.test(text), `${where} mentions a PRIVATE KEY block`);
      for (const line of secrets) assert.ok(!text.includes(line), `${where} holds key material`);
    }
  });
});
