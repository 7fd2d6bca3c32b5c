/**
 * `tls: 'node'` (what `pxr sim --tls` uses): the simulator serves the node certificate that
 * `certificates/info` and `/nodes` report, like pveproxy, and an uploaded custom certificate once
 * the upload asks for `restart`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { createSimulator } from '../../src/sim/simulator.js';
import type { Simulator } from '../../src/sim/simulator.js';
import { createSelfSigned } from '../../src/sim/tls.js';

interface Answer {
  status: number;
  body: string;
  /** SHA-256 of the certificate the server presented on this (fresh) connection. */
  peer: string;
}

function call(sim: Simulator, method: string, path: string, form?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: sim.port,
        path: `/api2/json${path}`,
        method,
        // A new connection each time: a reused one would keep the old certificate.
        agent: false,
        rejectUnauthorized: false,
        headers: {
          Authorization: `PVEAPIToken=${sim.tokenId}=${sim.tokenSecret}`,
          ...(form !== undefined
            ? {
                'Content-Type': 'application/x-www-form-urlencoded',
                'Content-Length': String(Buffer.byteLength(form)),
              }
            : {}),
        },
      },
      (res) => {
        const peer = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, peer }));
      },
    );
    req.on('error', reject);
    req.end(form);
  });
}

type Info = { filename: string; fingerprint: string }[];

void describe('TLS with the node certificate (pve-manager PVE/Service/pveproxy.pm)', () => {
  let sim: Simulator;
  before(async () => {
    sim = createSimulator({ tokenSecret: randomUUID(), tls: 'node', nodes: ['pve'] });
    await sim.start();
  });
  after(() => sim.stop());

  const info = async (): Promise<Info> =>
    (JSON.parse((await call(sim, 'GET', '/nodes/pve/certificates/info')).body) as { data: Info })
      .data;
  const fp = (list: Info, file: string): string | undefined =>
    list.find((c) => c.filename === file)?.fingerprint;

  // pveproxy.pm: cert_file /etc/pve/local/pve-ssl.pem unless pveproxy-ssl.pem + key exist.
  void test('serves pve-ssl.pem, the certificate certificates/info and /nodes report', async () => {
    const r = await call(sim, 'GET', '/nodes/pve/certificates/info');
    assert.equal(r.status, 200);
    assert.equal(r.peer, fp(await info(), 'pve-ssl.pem'));
    const nodes = JSON.parse((await call(sim, 'GET', '/nodes')).body) as {
      data: { ssl_fingerprint: string }[];
    };
    assert.equal(nodes.data[0]?.ssl_fingerprint, r.peer);
    assert.match(sim.url, /^https:/);
  });

  // PVE/API2/Certificates.pm upload_custom_cert: `systemctl reload-or-restart pveproxy` only
  // with restart=1; without it the running pveproxy keeps the old certificate.
  void test('an uploaded custom certificate is served after restart=1, not before', async () => {
    const before = fp(await info(), 'pve-ssl.pem');
    const custom = await createSelfSigned(Date.UTC(2026, 0, 1), ['pve']);
    const form = (restart: number, force: number): string =>
      new URLSearchParams({
        certificates: custom.cert,
        key: custom.key,
        force: String(force),
        restart: String(restart),
      }).toString();
    const up = await call(sim, 'POST', '/nodes/pve/certificates/custom', form(0, 0));
    assert.equal(up.status, 200, up.body);
    assert.equal(fp(await info(), 'pveproxy-ssl.pem'), custom.fingerprint);
    assert.equal((await call(sim, 'GET', '/version')).peer, before);

    const again = await call(sim, 'POST', '/nodes/pve/certificates/custom', form(1, 1));
    assert.equal(again.status, 200, again.body);
    assert.equal((await call(sim, 'GET', '/version')).peer, custom.fingerprint);
    const nodes = JSON.parse((await call(sim, 'GET', '/nodes')).body) as {
      data: { ssl_fingerprint: string }[];
    };
    // PVE::Cluster::get_node_fingerprint prefers pveproxy-ssl.pem too.
    assert.equal(nodes.data[0]?.ssl_fingerprint, custom.fingerprint);

    const del = await call(sim, 'DELETE', '/nodes/pve/certificates/custom?restart=1');
    assert.equal(del.status, 200);
    assert.equal((await call(sim, 'GET', '/version')).peer, before);
  });
});
