/**
 * The node target: a Proxmox node's web certificate. Installed with `POST
 * /nodes/{node}/certificates/custom` (force, restart: pveproxy then serves it) and verified with
 * `GET /nodes/{node}/certificates/info`: the `pveproxy-ssl.pem` entry is what pveproxy serves when
 * present, else `pve-ssl.pem` (FACTS §8). Errors are scrubbed of PEM blocks: the request carries
 * the private key, and nothing of it may reach an event or a log through an error message.
 * A node serves one web certificate: two objects installing theirs would replace each other on
 * every pass, so the first by name keeps the node and the others stall until the spec changes.
 */
import { PxrError, TerminalError } from '../../../core/errors.js';
import type { PveClient } from '../../../pve/types.js';
import type { CertificateSpec } from '../schema.js';
import { scrubPem } from './scrub.js';
import type { TargetModule } from './types.js';

interface InfoEntry {
  filename?: string;
  fingerprint?: string;
}

/** The SHA-256 fingerprint of what the node's pveproxy serves (upper case, colon-separated). */
export async function servedFingerprint(pve: PveClient, node: string): Promise<string | undefined> {
  const info = await pve.get<InfoEntry[]>(`/nodes/${encodeURIComponent(node)}/certificates/info`);
  const pick =
    info.find((i) => i.filename === 'pveproxy-ssl.pem') ??
    info.find((i) => i.filename === 'pve-ssl.pem');
  return pick?.fingerprint?.toUpperCase();
}

async function installOnNode(
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

const nodeOf = (spec: CertificateSpec): string | undefined => spec.targets?.node?.name;

export const nodeTarget: TargetModule = {
  key: 'node',
  placesOf(o, { pve, ctx }) {
    const node = nodeOf(o.spec);
    if (node === undefined) return [];
    const first = ctx
      .list('Certificate')
      .filter((c) => !c.deletionRequested && nodeOf(c.spec as CertificateSpec) === node)
      .map((c) => c.name)
      .sort()[0];
    if (first !== undefined && first !== o.name) {
      throw new TerminalError(
        'TargetConflict',
        `node ${node} already takes its web certificate from Certificate/${first}; a node serves one`,
      );
    }
    return [
      {
        field: 'targets.node',
        place: `node ${node}`,
        calls: [
          `POST /nodes/${node}/certificates/custom force=1 restart=1`,
          `GET /nodes/${node}/certificates/info`,
        ],
        observe: () => servedFingerprint(pve, node),
        install: (cert) => installOnNode(pve, node, cert.chain, cert.key),
      },
    ];
  },
};
