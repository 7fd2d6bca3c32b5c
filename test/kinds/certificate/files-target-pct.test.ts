/**
 * The files target through the real pct transport: a real sshd on loopback as the "node" and the
 * stand-in `pct` chrooting into a container root (test/appliance/pct-stand-in.ts). The key lands
 * 0600 (numeric owner 33:33 given), chain and certificate 0644, no temp file left beside them, the
 * reload command runs inside the container after the writes; a certificate file replaced inside the
 * container is drift, read back through `pct exec` and restored. The transport's trace log holds
 * no line of the key.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Transport } from '../../../src/appliance/transport/types.js';
import pino from 'pino';
import { ManualClock } from '../../../src/core/clock.js';
import type { StoredObject } from '../../../src/core/kind.js';
import { createCertificateReconciler } from '../../../src/kinds/certificate/reconciler.js';
import { parseStored, storedPath } from '../../../src/kinds/certificate/stored.js';
import { createIssuerReconciler } from '../../../src/kinds/issuer/reconciler.js';
import type { PveClient } from '../../../src/pve/types.js';
import { pctContainer, unshareUnavailable, VMID } from '../../appliance/pct-stand-in.js';
import { sshdUnavailable, startSshd, type Sshd } from '../../appliance/transport-sshd.js';
import { simPveClient, startSim, type StartedSim } from '../../helpers/sim.js';
import { certObj, Harness, issuerObj, outcome } from './harness.js';

function skip(): string | false {
  const why = sshdUnavailable() ?? unshareUnavailable();
  return why && !process.env.CI ? `skipped: ${why}` : false;
}

describe('Certificate files target through a real sshd and pct', { skip: skip() }, () => {
  const clock = new ManualClock(Date.now());
  const dataDir = mkdtempSync(join(tmpdir(), 'pxr-cert-pct-'));
  let sshd: Sshd;
  let root: string;
  let t: Transport;
  let s: StartedSim;
  let pve: PveClient;
  let h: Harness;
  let certs: ReturnType<typeof createCertificateReconciler>;
  const web = certObj('web', {
    dnsNames: ['web.lab.internal'],
    duration: '720h',
    targets: {
      files: [
        {
          container: 'web',
          certificate: '/etc/ssl/web.crt',
          chain: '/etc/ssl/ca.crt',
          key: '/etc/ssl/private/web.key',
          mode: '0600',
          owner: '33:33',
          reloadCommand: ['sh', '-c', 'echo reloaded >> /tmp/reloads'],
          access: { transport: 'pct', port: 22, user: 'root' },
        },
      ],
    },
  });
  const logs: string[] = [];
  const inCt = (p: string): string => join(root, p);
  const reloads = (): number => {
    try {
      return readFileSync(inCt('tmp/reloads'), 'utf8').split('\n').filter(Boolean).length;
    } catch {
      return 0;
    }
  };

  before(async () => {
    sshd = await startSshd();
    ({ root, transport: t } = pctContainer(
      sshd,
      pino({ level: 'trace' }, { write: (line: string) => void logs.push(line) }),
    ));
    s = await startSim({ clock });
    pve = simPveClient(s, clock);
    h = new Harness(clock);
    certs = createCertificateReconciler({
      pve,
      dataDir,
      containerTransports: (c) => {
        assert.deepEqual([c.name, c.node, c.vmid], ['web', 'pve', VMID]);
        return Promise.resolve(t);
      },
    });
    outcome(
      await h.pass(
        createIssuerReconciler({ dataDir }),
        issuerObj('ca', { ca: { duration: '87600h' } }),
      ),
    );
    const ct: StoredObject = {
      ...certObj('web', {}),
      kind: 'AppContainer',
      uid: 'uid-ct-web',
      spec: { node: 'pve', vmid: VMID },
    };
    h.objects.set('AppContainer/web', ct);
  });
  after(async () => {
    await t?.close();
    await sshd?.stop();
    await pve?.close();
    await s?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('written atomically with modes and owner, reloaded after, read back', async () => {
    const o = outcome(await h.pass(certs, web));
    assert.equal(o.notReady, undefined, JSON.stringify(o));
    const cert = parseStored(readFileSync(storedPath(dataDir, 'web'), 'utf8'))!;
    assert.equal(readFileSync(inCt('etc/ssl/private/web.key'), 'utf8'), cert.key);
    const key = statSync(inCt('etc/ssl/private/web.key'));
    assert.equal(key.mode & 0o777, 0o600);
    assert.deepEqual([key.uid, key.gid], [33, 33]);
    assert.equal(statSync(inCt('etc/ssl/web.crt')).mode & 0o777, 0o644);
    assert.equal(
      new X509Certificate(readFileSync(inCt('etc/ssl/web.crt'))).fingerprint256,
      cert.fingerprint,
    );
    assert.deepEqual(readdirSync(inCt('etc/ssl')).sort(), ['ca.crt', 'private', 'web.crt']);
    assert.deepEqual(readdirSync(inCt('etc/ssl/private')), ['web.key'], 'no temp file left');
    assert.equal(reloads(), 1);

    const again = outcome(await h.pass(certs, web));
    assert.equal(again.actions, undefined, 'read back equal: nothing written');
    assert.equal(reloads(), 1);
  });

  test('a certificate file replaced inside the container is drift and restored', async () => {
    writeFileSync(inCt('etc/ssl/web.crt'), readFileSync(inCt('etc/ssl/ca.crt')));
    const plan = await h.plan(certs, web);
    assert.ok(!(plan instanceof Error));
    assert.equal(plan.changes[0]?.drift, true);
    const o = outcome(await h.pass(certs, web));
    assert.equal(o.driftCorrected, true);
    const cert = parseStored(readFileSync(storedPath(dataDir, 'web'), 'utf8'))!;
    assert.equal(
      new X509Certificate(readFileSync(inCt('etc/ssl/web.crt'))).fingerprint256,
      cert.fingerprint,
    );
    assert.equal(reloads(), 2);
  });

  test('the transport logged at trace level, and not a line of the key', () => {
    const key = parseStored(readFileSync(storedPath(dataDir, 'web'), 'utf8'))!.key;
    const text = logs.join('');
    assert.ok(text.length > 0, 'the transport logged');
    assert.ok(!text.includes('PRIVATE KEY'));
    for (const line of key.split('\n').filter((l) => l.length >= 16))
      assert.ok(!text.includes(line), 'key material in the transport log');
  });
});
