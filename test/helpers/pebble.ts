/**
 * A real Pebble ACME server (Debian `pebble`) on loopback for the ACME tests, with the pieces it
 * needs: a TLS certificate for 127.0.0.1/localhost that the test generates (its CA becomes the
 * Issuer's caBundle), and a dnsmasq on a loopback port that resolves the test's names to 127.0.0.1
 * (`pebble -dnsserver`), so http-01 validation goes to 127.0.0.1:`httpPort` — the port the test's
 * responder (or Caddy) listens on. PEBBLE_VA_NOSLEEP=1: no artificial validation delay;
 * PEBBLE_VA_ALWAYS_VALID=0: every challenge is really fetched.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCaCert, generateKey, signLeaf } from '../../src/kinds/issuer/pki.js';
import { freePort } from '../appliance/helpers.js';
import { waitFor } from './wait.js';

export interface Pebble {
  directoryUrl: string;
  /** PEM of the CA that signed Pebble's own TLS certificate (the Issuer's caBundle). */
  caBundle: string;
  /** Pebble's management API (roots, intermediates), same TLS certificate. */
  managementUrl: string;
  /** stdout+stderr so far (bounded). */
  output(): string;
  /** Lines of Pebble's log that record an order being created. */
  ordersCreated(): number;
  stop(): Promise<void>;
  /** Starts it again with the same config (after `stop`). */
  start(): Promise<void>;
  /** Stops Pebble and its dnsmasq. */
  close(): Promise<void>;
}

/** The reason to skip (outside CI) when a binary is missing; false when all are here or in CI. */
export function skipWithoutBins(...bins: string[]): string | false {
  const missing = bins.filter((b) => {
    try {
      execFileSync('sh', ['-c', 'command -v "$1" || test -x "/usr/sbin/$1"', 'sh', b], {
        stdio: 'ignore',
      });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0 || process.env['CI']) return false;
  return `needs ${missing.join(', ')} (apt-get install -y pebble caddy dnsmasq-base curl); required in CI`;
}

function track(child: ChildProcess): () => string {
  let out = '';
  const keep = (b: Buffer): void => {
    out = (out + b.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (err) => keep(Buffer.from(`\nspawn error: ${err.message}\n`)));
  return () => out;
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

/**
 * Starts dnsmasq (names under `domain` → 127.0.0.1) and Pebble validating http-01 on `httpPort`.
 * `dir` holds the config and certificates.
 */
export async function startPebble(opts: {
  dir: string;
  httpPort: number;
  domain: string;
  /** Key id → base64url HMAC key: Pebble then requires an external account binding. */
  eabKeys?: Record<string, string>;
}): Promise<Pebble> {
  const now = Date.now();
  const validity = { notBefore: new Date(now - 60_000), notAfter: new Date(now + 86_400_000) };
  const caKey = await generateKey({ algorithm: 'ECDSA' });
  const caCert = await createCaCert(caKey, 'CN=pxr test Pebble TLS CA', validity);
  const key = await generateKey({ algorithm: 'ECDSA' });
  const cert = await signLeaf(
    { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], keyPem: key, ...validity },
    { cert: caCert, key: caKey },
  );
  await writeFile(join(opts.dir, 'pebble.crt'), cert + caCert);
  await writeFile(join(opts.dir, 'pebble.key'), key, { mode: 0o600 });
  const [port, mgmt, tlsPort, dnsPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const config = join(opts.dir, `pebble-${port}.json`);
  await writeFile(
    config,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${port}`,
        managementListenAddress: `127.0.0.1:${mgmt}`,
        certificate: join(opts.dir, 'pebble.crt'),
        privateKey: join(opts.dir, 'pebble.key'),
        httpPort: opts.httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: opts.eabKeys !== undefined,
        ...(opts.eabKeys ? { externalAccountMACKeys: opts.eabKeys } : {}),
      },
    }),
  );
  const dns = spawn(
    'dnsmasq',
    [
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--no-resolv',
      '--no-hosts',
      '--bind-interfaces',
      '--listen-address=127.0.0.1',
      `--port=${dnsPort}`,
      `--address=/${opts.domain}/127.0.0.1`,
      '--log-facility=-',
      '--pid-file=',
      '--user=root',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const dnsOut = track(dns);
  let pebble: ChildProcess | undefined;
  let pebbleOut = (): string => '';
  let earlier = '';
  const start = async (): Promise<void> => {
    earlier += pebbleOut();
    pebble = spawn('pebble', ['-config', config, '-dnsserver', `127.0.0.1:${dnsPort}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_VA_ALWAYS_VALID: '0' },
    });
    pebbleOut = track(pebble);
    await waitFor(
      'pebble to listen',
      () => {
        if (pebble?.exitCode !== null) throw new Error(`pebble exited: ${pebbleOut()}`);
        return /Listening on: 127\.0\.0\.1:\d+/.test(pebbleOut());
      },
      30_000,
    );
  };
  try {
    await start();
    if (dns.exitCode !== null) throw new Error(`dnsmasq exited: ${dnsOut()}`);
  } catch (err) {
    await stop(pebble);
    await stop(dns);
    throw err;
  }
  const all = (): string => earlier + pebbleOut();
  return {
    directoryUrl: `https://127.0.0.1:${port}/dir`,
    managementUrl: `https://127.0.0.1:${mgmt}`,
    caBundle: caCert,
    output: all,
    ordersCreated: () => (all().match(/Added order "/g) ?? []).length,
    stop: async () => {
      await stop(pebble);
    },
    start,
    close: async () => {
      await stop(pebble);
      await stop(dns);
    },
  };
}
