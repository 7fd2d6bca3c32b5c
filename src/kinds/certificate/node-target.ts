/**
 * The node target: a Proxmox node's web certificate. Installed with `POST
 * /nodes/{node}/certificates/custom` (force, restart: pveproxy then serves it) and verified with
 * `GET /nodes/{node}/certificates/info`: the `pveproxy-ssl.pem` entry is what pveproxy serves when
 * present, else `pve-ssl.pem` (FACTS §8). Errors are scrubbed of PEM blocks: the request carries
 * the private key, and nothing of it may reach an event or a log through an error message.
 */
import { PxrError } from '../../core/errors.js';
import type { PveClient } from '../../pve/types.js';

interface InfoEntry {
  filename?: string;
  fingerprint?: string;
}

const PEM = /-----BEGIN [A-Z ]+-----[\s\S]*?(-----END [A-Z ]+-----|$)/g;

export function scrubPem(text: string): string {
  return text.replace(PEM, '[PEM redacted]');
}

/** The SHA-256 fingerprint of what the node's pveproxy serves (upper case, colon-separated). */
export async function servedFingerprint(pve: PveClient, node: string): Promise<string | undefined> {
  const info = await pve.get<InfoEntry[]>(`/nodes/${encodeURIComponent(node)}/certificates/info`);
  const pick =
    info.find((i) => i.filename === 'pveproxy-ssl.pem') ??
    info.find((i) => i.filename === 'pve-ssl.pem');
  return pick?.fingerprint?.toUpperCase();
}

export function installCall(node: string): string {
  return `POST /nodes/${node}/certificates/custom force=1 restart=1`;
}

export async function installOnNode(
  pve: PveClient,
  node: string,
  chain: string,
  key: string,
): Promise<void> {
  try {
    await pve.post(`/nodes/${encodeURIComponent(node)}/certificates/custom`, {
      certificates: chain,
      key,
      force: 1,
      restart: 1,
    });
  } catch (err) {
    const e = err as Error & { code?: string };
    throw new PxrError(
      e.code ?? 'INSTALL_FAILED',
      `installing the certificate on node ${node} failed: ${scrubPem(e.message)}`,
    );
  }
}
