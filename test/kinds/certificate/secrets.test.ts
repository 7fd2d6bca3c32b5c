/**
 * Private keys stay in their 0600 files. The controller as `pxr run` builds it (e2e harness: real
 * chokidar, a SQLite file, the simulator over HTTP) issues a CA and a node certificate, then a
 * hand-replaced node certificate is corrected (drift events); afterwards every row of every table
 * of the database (status, events, history, drift...), every log line at debug, `pxr get -o json`,
 * `pxr describe`, `pxr events` and /metrics are searched for the keys' material: none of it is there.
 * A second Certificate writes its files into an AppContainer (simulated container): written there,
 * its key file replaced by hand is drift (corrected, the event naming the file, not the key), and a
 * failing reload command's error reaches an event — none of which carries key material either. The
 * expiry metric is checked on the way. Deleting the Certificates leaves the node's certificate,
 * the container's files and the stored files in place.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { systemClock } from '../../../src/core/clock.js';
import { defaultContainerTransports } from '../../../src/kinds/certificate/targets/container-transport.js';
import { SimulatedContainer } from '../../../src/kinds/certificate/targets/simulated-container.js';
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

const FILES = `apiVersion: pxr/v1alpha1
kind: AppContainer
metadata: { name: web }
spec:
  node: pve
  template: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst
  network: { bridge: vmbr0, ip: 192.168.100.50/24, gateway: 192.168.100.1 }
---
apiVersion: pxr/v1alpha1
kind: Certificate
metadata: { name: web }
spec:
  issuerRef: { name: ca }
  dnsNames: [web.lab.internal]
  targets:
    files:
      - container: web
        certificate: /etc/ssl/web.crt
        key: /etc/ssl/private/web.key
        reloadCommand: [RELOAD]
        access: { transport: simulated }
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
  const containers = defaultContainerTransports({ clock: systemClock });
  let box: SimulatedContainer | undefined;
  before(async () => {
    const log = pino({ level: 'debug' }, { write: (s: string) => void logs.push(s) });
    h = await startHarness({
      log,
      resyncMs: 500,
      files: {
        'certs.yaml': MANIFEST,
        'files.yaml': FILES.replace('[RELOAD]', '[systemctl, reload, nginx]'),
      },
      kindTuning: {
        Certificate: {
          containerTransports: async (c: Parameters<typeof containers>[0]) => {
            const t = await containers(c);
            box = t as SimulatedContainer;
            return t;
          },
        },
      },
    });
  });
  after(async () => {
    await h.close();
    await containers.closeAll();
  });
  const events = (name: string) => h.app.store.events.list({ ref: { kind: 'Certificate', name } });

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

  test('files in a container: written, a hand-replaced key file corrected, a failing reload reported', async () => {
    await waitFor(
      'Certificate/web Ready (its container created, the files written)',
      () =>
        h.app.store.status
          .get({ kind: 'Certificate', name: 'web' })
          ?.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
      60_000,
    );
    const storedWeb = readFileSync(join(h.dir, 'certs', 'certificates', 'web.pem'), 'utf8');
    const key = box!.files.get('/etc/ssl/private/web.key')!;
    assert.ok(storedWeb.endsWith(key.content), 'the stored key is the one written');
    assert.equal(key.mode, 0o600);
    const other = await createCa({
      subject: 'CN=by hand',
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 86_400_000),
      key: 'ecdsa-p256',
    });
    key.content = other.key;
    await waitFor(
      'the replaced key file corrected (DriftCorrected event)',
      () => events('web').some((e) => e.reason === 'DriftCorrected'),
      60_000,
    );
    assert.ok(storedWeb.endsWith(box!.files.get('/etc/ssl/private/web.key')!.content));
    h.write('files.yaml', FILES.replace('[RELOAD]', "['false']"));
    await waitFor(
      'the new reload command in the store',
      () =>
        JSON.stringify(
          h.app.store.objects.get({ kind: 'Certificate', name: 'web' })?.spec,
        ).includes('["false"]'),
      60_000,
    );
    box!.files.get('/etc/ssl/web.crt')!.content = other.cert;
    await waitFor(
      'the failing reload as a Warning event',
      () => events('web').some((e) => e.type === 'Warning' && /reload command/.test(e.message)),
      60_000,
    );
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
      ...keyLines(readFileSync(join(h.dir, 'certs', 'certificates', 'web.pem'), 'utf8')),
    ];
    assert.ok(secrets.length >= 6, 'the three keys were read');

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
      ['describe', 'certificate/web'],
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

  test('deleting the Certificates leaves what their targets serve and the stored files', async () => {
    const served = fingerprint();
    const files = new Map([...box!.files].map(([p, f]) => [p, f.content]));
    h.write('certs.yaml', MANIFEST.split('---')[0]!);
    h.write('files.yaml', FILES.split('---')[0]!);
    await waitFor(
      'both Certificates gone from the store',
      () =>
        !h.app.store.objects.get({ kind: 'Certificate', name: 'pve-ui' }) &&
        !h.app.store.objects.get({ kind: 'Certificate', name: 'web' }),
      60_000,
    );
    const info = await h.pve.get<{ filename: string; fingerprint: string }[]>(
      '/nodes/pve/certificates/info',
    );
    assert.equal(info.find((i) => i.filename === 'pveproxy-ssl.pem')?.fingerprint, served);
    assert.deepEqual(new Map([...box!.files].map(([p, f]) => [p, f.content])), files);
    for (const n of ['pve-ui', 'web'])
      assert.ok(readFileSync(join(h.dir, 'certs', 'certificates', `${n}.pem`), 'utf8').length > 0);
  });
});
