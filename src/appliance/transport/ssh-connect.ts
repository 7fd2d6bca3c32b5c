/**
 * Opening one ssh2 connection: host key pinned by its SHA256 fingerprint, key-only auth, a bounded
 * handshake, and ssh2's errors translated once into pxr errors that never carry the private key.
 */
import { createHash } from 'node:crypto';
import ssh2, { type Client } from 'ssh2';
import type { Clock } from '../../core/clock.js';
import { PxrError, TerminalError } from '../../core/errors.js';

export interface SshEndpoint {
  host: string;
  port: number;
  username: string;
}

export interface ConnectOptions extends SshEndpoint {
  privateKey: string;
  passphrase?: string | undefined;
  /** Normalised pin (`SHA256:` + unpadded base64), see {@link normaliseFingerprint}. */
  fingerprint: string;
  connectTimeoutMs: number;
  clock: Clock;
}

/** `SHA256:<base64 without padding>` of a public key blob, exactly as `ssh-keygen -l` prints it. */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Checks a configured pin and drops base64 padding (some tools print it, ssh-keygen does not). */
export function normaliseFingerprint(pin: string): string {
  const m = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(pin.trim());
  if (!m) {
    throw new TerminalError(
      'SshFingerprintInvalid',
      `host key fingerprint must look like ssh-keygen's "SHA256:<43 base64 chars>", got ${JSON.stringify(pin)}`,
      { context: { hostKeyFingerprint: pin } },
    );
  }
  return `SHA256:${m[1]}`;
}

/**
 * Fails early (and for good) on a key ssh2 cannot use, before any connection is tried. ssh2's
 * parse messages can quote bytes of the key ("Unsupported OpenSSH key magic: <bytes>"), so they
 * are never passed on: the message names the file and a fixed description of the problem.
 */
export function checkPrivateKey(privateKey: string, passphrase?: string, keyFile?: string): void {
  const parsed = ssh2.utils.parseKey(privateKey, passphrase);
  if (parsed instanceof Error) {
    const problem = /passphrase|encrypted/i.test(parsed.message)
      ? 'it is encrypted and the passphrase is missing or wrong'
      : 'it is not an SSH private key ssh2 can parse';
    const what = keyFile === undefined ? 'the ssh private key' : `the ssh private key ${keyFile}`;
    throw new TerminalError(
      'SshKeyInvalid',
      `${what} cannot be used: ${problem} (content not shown)`,
      {
        context: keyFile === undefined ? {} : { keyFile },
      },
    );
  }
}

function where(o: SshEndpoint): string {
  return `${o.username}@${o.host}:${o.port}`;
}

/** ssh2 tags its errors with `level`; that is the only part of them we branch on. */
function translate(err: Error & { level?: string }, o: ConnectOptions): PxrError {
  const context = { host: o.host, port: o.port, username: o.username };
  if (err.level === 'client-authentication') {
    return new PxrError(
      'SSH_AUTH_FAILED',
      `ssh authentication as ${where(o)} failed: the server did not accept the private key`,
      { cause: err, context },
    );
  }
  if (err.level === 'client-timeout') {
    return new PxrError(
      'SSH_CONNECT_TIMEOUT',
      `ssh handshake with ${where(o)} did not finish within ${o.connectTimeoutMs} ms`,
      { cause: err, context },
    );
  }
  return new PxrError(
    'SSH_CONNECT_FAILED',
    `ssh connection to ${where(o)} failed: ${err.message}`,
    {
      cause: err,
      context,
    },
  );
}

/**
 * Resolves with a ready client, or rejects with: `TerminalError(SshHostKeyMismatch)` when the server's
 * host key is not the pinned one, `SSH_AUTH_FAILED`, `SSH_CONNECT_TIMEOUT` or `SSH_CONNECT_FAILED`.
 * `onClose` runs once when the connection ends later (so the owner drops it and reconnects).
 */
export function connectSsh(o: ConnectOptions, onClose: (c: Client) => void): Promise<Client> {
  return new Promise<Client>((resolve, reject) => {
    const c = new ssh2.Client();
    let settled = false;
    let ready = false;
    let seen: string | undefined;
    const fail = (err: PxrError): void => {
      if (settled) return;
      settled = true;
      cancelTimer();
      c.destroy();
      reject(err);
    };
    const cancelTimer = o.clock.setTimer(o.connectTimeoutMs, () =>
      fail(
        new PxrError(
          'SSH_CONNECT_TIMEOUT',
          `ssh connection to ${where(o)} was not ready within ${o.connectTimeoutMs} ms`,
          { context: { host: o.host, port: o.port, username: o.username } },
        ),
      ),
    );
    c.on('ready', () => {
      if (settled) return;
      settled = true;
      ready = true;
      // Request/response traffic: do not let Nagle hold back small packets.
      c.setNoDelay(true);
      cancelTimer();
      resolve(c);
    });
    c.on('error', (err: Error & { level?: string }) => {
      if (seen !== undefined && seen !== o.fingerprint) {
        fail(
          new TerminalError(
            'SshHostKeyMismatch',
            `host key of ${o.host}:${o.port} is ${seen} but ${o.fingerprint} is pinned; refusing to connect`,
            { context: { host: o.host, port: o.port, expected: o.fingerprint, actual: seen } },
          ),
        );
        return;
      }
      fail(translate(err, o));
    });
    c.on('close', () => {
      if (ready) {
        onClose(c);
        return;
      }
      // Before ready: a no-op when an error already settled the attempt (fail is idempotent).
      fail(
        new PxrError(
          'SSH_CONNECT_FAILED',
          `ssh connection to ${where(o)} closed during handshake`,
          {
            context: { host: o.host, port: o.port, username: o.username },
          },
        ),
      );
    });
    try {
      c.connect({
        host: o.host,
        port: o.port,
        username: o.username,
        privateKey: o.privateKey,
        ...(o.passphrase === undefined ? {} : { passphrase: o.passphrase }),
        hostVerifier: (key: Buffer): boolean => {
          seen = sshFingerprint(key);
          return seen === o.fingerprint;
        },
        // ssh2's own handshake timer is only a backstop: the Clock timer above is the one that decides.
        readyTimeout: o.connectTimeoutMs + 1000,
        keepaliveInterval: 15_000,
        keepaliveCountMax: 3,
      });
    } catch (err) {
      fail(translate(err as Error, o));
    }
  });
}
