/**
 * Seeds a node's certificates like a Proxmox install does: a cluster root CA
 * (`pve-root-ca.pem`, 10 years) and the node's `pve-ssl.pem` signed by it (2 years), RSA 2048.
 * RSA key generation costs about a second, and tests start many simulators, so the CA and each
 * node certificate are generated once per process and reused (keyed by node and address).
 */
import { randomUUID } from 'node:crypto';
import type { NodeCertState } from './state.js';
import { createCa, issueCert, type PemPair } from './pki.js';

const DAY_MS = 86_400_000;

export interface SeedCertOptions {
  /** Start of validity (minus one day). Only the first call in a process decides. @default 2026-01-01 */
  nowMs?: number;
  /** DNS domain of the node's FQDN. @default 'local' */
  domain?: string;
}

let caCache: Promise<PemPair> | undefined;
const nodeCache = new Map<string, Promise<PemPair>>();

function rootCa(nowMs: number): Promise<PemPair> {
  caCache ??= createCa({
    subject: `CN=Proxmox Virtual Environment, OU=${randomUUID()}, O=PVE Cluster Manager CA`,
    notBefore: new Date(nowMs - DAY_MS),
    notAfter: new Date(nowMs + 3650 * DAY_MS),
  });
  return caCache;
}

export async function seedNodeCerts(
  node: string,
  ip: string,
  opts: SeedCertOptions = {},
): Promise<NodeCertState> {
  const nowMs = opts.nowMs ?? Date.UTC(2026, 0, 1);
  const fqdn = `${node}.${opts.domain ?? 'local'}`;
  const ca = await rootCa(nowMs);
  const key = `${node}|${ip}|${fqdn}`;
  let ssl = nodeCache.get(key);
  if (!ssl) {
    ssl = issueCert(ca, {
      subject: `OU=PVE Cluster Node, O=Proxmox Virtual Environment, CN=${fqdn}`,
      sans: ['127.0.0.1', '0:0:0:0:0:0:0:1', 'localhost', ip, node, fqdn],
      notBefore: new Date(nowMs - DAY_MS),
      notAfter: new Date(nowMs + 730 * DAY_MS),
    });
    nodeCache.set(key, ssl);
  }
  const pair = await ssl;
  return { rootCa: ca.cert, ssl: { cert: pair.cert, key: pair.key } };
}
