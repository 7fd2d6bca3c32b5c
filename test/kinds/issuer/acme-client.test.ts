/**
 * The ACME client against a real Pebble on loopback: account registration (and finding it again
 * with the same key), a full http-01 issuance answered by a plain HTTP responder, the chain checked
 * with node:crypto against Pebble's root; a responder that answers wrong fails pxr's own self-check
 * before the CA is asked; Pebble's problem documents come back with their type.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AcmeClient, AcmeError } from '../../../src/kinds/issuer/acme/client.js';
import { obtainCertificate, type Http01Solver } from '../../../src/kinds/issuer/acme/obtain.js';
import { generateKey } from '../../../src/kinds/issuer/pki.js';
import { freePort } from '../../appliance/helpers.js';
import { skipWithoutBins, startPebble, type Pebble } from '../../helpers/pebble.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A client with a fresh account key, trusting Pebble's TLS certificate. */
const clientOf = async (pebble: Pebble): Promise<AcmeClient> =>
  new AcmeClient({
    directoryUrl: pebble.directoryUrl,
    caBundle: pebble.caBundle,
    accountKey: createPrivateKey(await generateKey({ algorithm: 'ECDSA' })),
    sleep,
  });

describe('ACME client against Pebble', { skip: skipWithoutBins('pebble', 'dnsmasq') }, () => {
  let dir = '';
  let pebble: Pebble | undefined;
  let server: Server | undefined;
  const answers = new Map<string, string>();
  let wrong = false;
  let selfChecks = 0;
  let port = 0;

  const solver: Http01Solver = {
    description: 'test responder',
    present: (_name, token, keyAuth) => {
      answers.set(token, keyAuth);
      return Promise.resolve();
    },
    selfCheck: async (name, token, keyAuth) => {
      selfChecks++;
      const r = await fetch(`http://127.0.0.1:${port}/.well-known/acme-challenge/${token}`, {
        headers: { host: name },
      });
      const body = await r.text();
      if (body !== keyAuth) throw new Error(`self-check of ${name}: got ${JSON.stringify(body)}`);
    },
    cleanup: (_name, token) => {
      answers.delete(token);
      return Promise.resolve();
    },
  };

  const client = (): Promise<AcmeClient> => clientOf(pebble!);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pxr-acme-'));
    port = await freePort();
    server = createServer((req, res) => {
      const token = /^\/\.well-known\/acme-challenge\/(.+)$/.exec(req.url ?? '')?.[1] ?? '';
      const a = answers.get(token);
      res.statusCode = a ? 200 : 404;
      res.end(wrong ? 'nonsense' : (a ?? ''));
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    pebble = await startPebble({ dir, httpPort: port, domain: 'acme.test' });
  });

  after(async () => {
    await pebble?.close();
    server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('an account is registered once and found again with the same key', async () => {
    const c = await client();
    const first = await c.account({ email: 'ops@acme.test' });
    assert.equal(first.status, 'valid');
    assert.equal(first.created, true);
    const again = await c.account({ email: 'ops@acme.test' });
    assert.equal(again.url, first.url);
    assert.equal(again.created, false);
    await c.close();
  });

  test('http-01 issuance: Pebble fetches the answer, the chain verifies to its root', async () => {
    const c = await client();
    await c.account({});
    const keyPem = await generateKey({ algorithm: 'ECDSA' });
    const before = selfChecks;
    const got = await obtainCertificate({
      client: c,
      commonName: 'web.acme.test',
      dnsNames: ['web.acme.test', 'www.acme.test'],
      keyPem,
      solver,
    });
    assert.equal(selfChecks - before, 2, 'one self-check per name');
    assert.equal(answers.size, 0, 'challenges removed');
    const certs = got.chain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
    assert.ok(certs && certs.length >= 2, 'leaf and intermediate');
    const leaf = new X509Certificate(certs[0]);
    assert.ok(leaf.checkPrivateKey(createPrivateKey(keyPem)));
    assert.match(leaf.subjectAltName ?? '', /DNS:web\.acme\.test/);
    assert.match(leaf.subjectAltName ?? '', /DNS:www\.acme\.test/);
    const inter = new X509Certificate(certs[1]!);
    assert.ok(leaf.verify(inter.publicKey), 'leaf signed by the intermediate');
    await c.close();
  });

  test('a wrong answer fails the self-check; the CA is never asked', async () => {
    const c = await client();
    await c.account({});
    wrong = true;
    try {
      await assert.rejects(
        obtainCertificate({
          client: c,
          dnsNames: ['bad.acme.test'],
          keyPem: await generateKey({ algorithm: 'ECDSA' }),
          solver,
        }),
        /self-check of bad\.acme\.test/,
      );
    } finally {
      wrong = false;
    }
    assert.equal(answers.size, 0, 'the challenge is removed after a failure too');
    assert.doesNotMatch(pebble!.output(), /validate w\/ HTTP: http:\/\/bad\.acme\.test/);
    await c.close();
  });

  test("a problem document keeps ACME's type and detail", async () => {
    const c = await client();
    await c.account({});
    await assert.rejects(c.newOrder([{ type: 'dns', value: 'bad_name..acme.test' }]), (err) => {
      assert.ok(err instanceof AcmeError);
      assert.equal(err.code, 'ACME_ERROR');
      assert.match(err.type, /^(rejectedIdentifier|malformed)$/);
      assert.match(err.message, /^ACME (rejectedIdentifier|malformed) \(HTTP 400\): /);
      return true;
    });
    await c.close();
  });

  test('Pebble unreachable is an ACME connection error naming the URL', async () => {
    const c = new AcmeClient({
      directoryUrl: `https://127.0.0.1:${await freePort()}/dir`,
      caBundle: pebble!.caBundle,
      accountKey: createPrivateKey(await generateKey({ algorithm: 'ECDSA' })),
      sleep,
    });
    await assert.rejects(
      c.account({}),
      /^AcmeError: ACME connection: GET https:\/\/127\.0\.0\.1:\d+\/dir failed: ECONNREFUSED/,
    );
    await c.close();
  });
});

describe('ACME problem documents from a server that refuses', () => {
  let server: Server | undefined;
  let base = '';
  let nonces = 0;
  let accountPosts = 0;

  before(async () => {
    // Just enough of an ACME server: a directory, nonces, and a newAccount that first rejects the
    // nonce once (the client must retry with the fresh one), then is rate limited.
    server = createServer((req, res) => {
      res.setHeader('Replay-Nonce', `n${++nonces}`);
      if (req.url === '/dir') {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            newNonce: `${base}/nonce`,
            newAccount: `${base}/acct`,
            newOrder: `${base}/order`,
          }),
        );
        return;
      }
      if (req.url === '/nonce') return void res.end();
      req.resume();
      req.on('end', () => {
        accountPosts++;
        res.statusCode = accountPosts === 1 ? 400 : 429;
        if (accountPosts > 1) res.setHeader('Retry-After', '120');
        res.setHeader('content-type', 'application/problem+json');
        res.end(
          JSON.stringify(
            accountPosts === 1
              ? { type: 'urn:ietf:params:acme:error:badNonce', detail: 'stale nonce' }
              : {
                  type: 'urn:ietf:params:acme:error:rateLimited',
                  detail: 'too many new accounts from this address',
                },
          ),
        );
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  after(() => server?.close());

  test('a bad nonce is retried; a rate limit surfaces as ACME_RATE_LIMITED with its detail', async () => {
    const c = new AcmeClient({
      directoryUrl: `${base}/dir`,
      accountKey: createPrivateKey(await generateKey({ algorithm: 'ECDSA' })),
      sleep,
    });
    await assert.rejects(c.account({ email: 'ops@acme.test' }), (err) => {
      assert.ok(err instanceof AcmeError);
      assert.equal(err.code, 'ACME_RATE_LIMITED');
      assert.equal(err.type, 'rateLimited');
      assert.equal(err.status, 429);
      assert.equal(err.retryAfterMs, 120_000, 'Retry-After is carried to the retry');
      assert.equal(
        err.message,
        'ACME rateLimited (HTTP 429): too many new accounts from this address',
      );
      return true;
    });
    assert.equal(accountPosts, 2, 'one retry after badNonce');
    await c.close();
  });
});

describe(
  'external account binding against Pebble',
  { skip: skipWithoutBins('pebble', 'dnsmasq') },
  () => {
    let dir = '';
    let pebble: Pebble | undefined;
    const hmacKey = randomBytes(32).toString('base64url');

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'pxr-acme-eab-'));
      pebble = await startPebble({
        dir,
        httpPort: await freePort(),
        domain: 'acme.test',
        eabKeys: { 'kid-1': hmacKey },
      });
    });
    after(async () => {
      await pebble?.close();
      await rm(dir, { recursive: true, force: true });
    });

    const client = (): Promise<AcmeClient> => clientOf(pebble!);

    test('without a binding: refused before asking, naming the setting', async () => {
      const c = await client();
      await assert.rejects(
        c.account({}),
        /externalAccountRequired.*spec\.acme\.externalAccountBinding/,
      );
      await c.close();
    });

    test('with the right key the account is registered; a wrong key is refused by the CA', async () => {
      const c = await client();
      const ok = await c.account({ eab: { keyId: 'kid-1', hmacKey } });
      assert.equal(ok.status, 'valid');
      await c.close();
      const bad = await client();
      await assert.rejects(
        bad.account({ eab: { keyId: 'kid-1', hmacKey: randomBytes(32).toString('base64url') } }),
        (err) => err instanceof AcmeError && err.status >= 400,
      );
      await bad.close();
    });
  },
);
