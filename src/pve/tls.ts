/**
 * How pxr trusts a Proxmox endpoint. Proxmox ships self-signed certificates, so besides a CA file
 * the usual choice is pinning the SHA-256 fingerprint shown by `pvenode cert info`. `insecure`
 * exists but must be asked for explicitly.
 */
import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { Agent, buildConnector } from 'undici';
import { PxrError } from '../core/errors.js';
import { TlsPinError } from './errors.js';

export interface TlsOptions {
  /** PEM file of the CA that signed the server certificate. */
  caFile?: string | undefined;
  /** SHA-256 fingerprint of the server certificate, `AA:BB:...` (case and colons are not significant). */
  fingerprint?: string | undefined;
  /** Accept any certificate. Only when explicitly asked for. */
  insecure?: boolean | undefined;
  /** Connect timeout in ms. @default 10000 */
  connectTimeoutMs?: number;
  /** Concurrent connections per origin. @default 8 */
  connections?: number;
}

/** `aa:bb..` / `AABB..` -> `AA:BB:..` (the form `getPeerX509Certificate().fingerprint256` uses). */
export function normalizeFingerprint(fp: string): string {
  const hex = fp.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  if (hex.length !== 64) {
    throw new PxrError('CONFIG', `invalid SHA-256 fingerprint '${fp}': expected 32 hex bytes`, {
      context: { fingerprint: fp },
    });
  }
  return hex.match(/../g)!.join(':');
}

/** Builds the undici dispatcher that enforces the chosen trust model on every connection. */
export function createDispatcher(opts: TlsOptions): Agent {
  const timeout = opts.connectTimeoutMs ?? 10_000;
  const connections = opts.connections ?? 8;
  if (opts.fingerprint) {
    const pin = normalizeFingerprint(opts.fingerprint);
    // Chain validation is replaced by the pin (the cert is self-signed), so it is switched off
    // and the fingerprint is checked on every new connection before any request is written.
    // TLS session resumption is off: a resumed socket carries no peer certificate to check, and
    // undici caches a session as soon as the handshake ends, before the pin is checked, so a
    // resumed session could descend from a connection the pin rejected. Cost: one full handshake
    // per new connection (sockets are kept alive, so that is rare).
    const base = buildConnector({ rejectUnauthorized: false, timeout, maxCachedSessions: 0 });
    return new Agent({
      connections,
      connect: (options, callback) => {
        base(options, (err, socket) => {
          if (err || !socket) {
            callback(err ?? new Error('connect failed'), null);
            return;
          }
          if (options.protocol !== 'https:') {
            callback(null, socket);
            return;
          }
          const tls = socket as TLSSocket;
          // Belt and braces: never accept a socket whose certificate was not shown to us.
          const actual = tls.isSessionReused()
            ? undefined
            : tls.getPeerX509Certificate()?.fingerprint256;
          if (actual !== pin) {
            socket.destroy();
            callback(new TlsPinError(pin, actual, options.hostname), null);
            return;
          }
          callback(null, socket);
        });
      },
    });
  }
  if (opts.caFile) {
    return new Agent({ connections, connect: { ca: readFileSync(opts.caFile), timeout } });
  }
  return new Agent({
    connections,
    connect: { rejectUnauthorized: opts.insecure !== true, timeout },
  });
}
