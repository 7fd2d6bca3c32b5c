/**
 * Node certificates (pve-manager PVE/API2/Certificates.pm): the info list and the custom
 * certificate upload/removal. Upload is synchronous and answers the info of the new
 * `pveproxy-ssl.pem`; a failed upload leaves the previous files in place. See FACTS §8.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { paramError, PveError, type EndpointDef, type RequestContext } from '../types.js';
import './formats.js';
import { certInfo, type CertInfo } from './info.js';
import { firstCertificate, stripLeadingText } from './pem.js';
import type { NodeCertState } from './state.js';

const nodeParam = { type: 'string', format: 'pve-node' } as const;
const modify = { path: '/nodes/{node}', privs: ['Sys.Modify'] } as const;

/**
 * Net::SSLeay's `die_now` prefixes the pveproxy worker's pid, and `$!` is usually the ENOENT
 * left by the preceding file checks.
 */
const WORKER_PID = 2147;
const ERRNO_TEXT = 'No such file or directory';

/** Files in the order Proxmox lists them; unreadable ones are skipped, as Perl's eval does. */
const proxyRestarters = new WeakMap<object, (node: string) => void>();

/**
 * Binds what `restart=1` does to a simulator context: pve-manager PVE/API2/Certificates.pm runs
 * `systemctl reload-or-restart pveproxy`, which then serves the node's current certificate.
 */
export function bindProxyRestart(ctx: object, restart: (node: string) => void): void {
  proxyRestarters.set(ctx, restart);
}

function restartProxy(ctx: RequestContext): void {
  if (ctx.params['restart']) proxyRestarters.get(ctx.sim)?.(String(ctx.params['node']));
}

export function nodeCertInfos(certs: NodeCertState): CertInfo[] {
  const files: [string, string | undefined][] = [
    ['pve-root-ca.pem', certs.rootCa],
    ['pve-ssl.pem', certs.ssl.cert],
    ['pveproxy-ssl.pem', certs.custom?.cert],
  ];
  const out: CertInfo[] = [];
  for (const [name, pem] of files) {
    if (!pem) continue;
    try {
      out.push(certInfo(pem, name));
    } catch {
      // Perl: `eval { push @$res, get_certificate_info($path) }` - a broken file is left out.
      continue;
    }
  }
  return out;
}

/** Whether `keyPem` is the private key of the chain's first certificate. */
export function keyMatchesCertificate(chain: string, keyPem: string): boolean {
  const first = firstCertificate(chain);
  if (first === undefined) return false;
  try {
    return new X509Certificate(first).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    // An unparsable key fails the same OpenSSL check (CTX_use_PrivateKey_file) as a wrong one.
    return false;
  }
}

/**
 * set_cert_files' failure, re-raised through cert_lock and `die "$@\n"`: hence the prefix and
 * the extra newlines (the reason phrase is only the first line).
 */
function setFilesFailed(detail: string): never {
  throw new PveError(500, `Setting certificate files failed - ${detail}\n\n\n`);
}

function uploadCustom(ctx: RequestContext): CertInfo {
  const { sim, params } = ctx;
  const nodeName = String(params['node']);
  const node = sim.node(nodeName);
  const chain = stripLeadingText(String(params['certificates']));
  const given =
    typeof params['key'] === 'string' && params['key'] !== '' ? params['key'] : undefined;
  if (given === undefined && !node.certs.custom) {
    paramError({ key: 'Attempted to upload custom certificate without (existing) key.' });
  }
  if (!params['force'] && node.certs.custom) {
    throw new PveError(500, 'Custom certificate file exists but force flag is not set.\n\n');
  }
  const key = given !== undefined ? stripLeadingText(given) : (node.certs.custom?.key ?? '');
  let info: CertInfo;
  try {
    info = certInfo(chain, 'pveproxy-ssl.pem');
  } catch {
    setFilesFailed(
      `unable to read certificate from '/etc/pve/nodes/${nodeName}/pveproxy-ssl.pem'\n`,
    );
  }
  if (!keyMatchesCertificate(chain, key)) {
    setFilesFailed(`${WORKER_PID}: key does not match the certificate (chain) (${ERRNO_TEXT})\n`);
  }
  node.certs.custom = { cert: chain, key };
  sim.touch();
  restartProxy(ctx);
  return info;
}

export const certEndpoints: EndpointDef[] = [
  {
    method: 'GET',
    path: '/nodes/{node}/certificates/info',
    params: { node: nodeParam },
    returns: 'array',
    handler: ({ sim, params }: RequestContext): unknown =>
      nodeCertInfos(sim.node(String(params['node'])).certs),
  },
  {
    method: 'POST',
    path: '/nodes/{node}/certificates/custom',
    params: {
      certificates: { type: 'string', format: 'pem-certificate-chain' },
      force: { type: 'boolean', optional: true, default: 0 },
      key: { type: 'string', format: 'pem-string', optional: true },
      node: nodeParam,
      restart: { type: 'boolean', optional: true, default: 0 },
    },
    permission: modify,
    returns: 'object',
    handler: uploadCustom,
  },
  {
    method: 'DELETE',
    path: '/nodes/{node}/certificates/custom',
    params: { node: nodeParam, restart: { type: 'boolean', optional: true, default: 0 } },
    permission: modify,
    returns: 'null',
    handler: (ctx: RequestContext): unknown => {
      const { sim, params } = ctx;
      const node = sim.node(String(params['node']));
      // unlink of a missing file is not an error in Proxmox either.
      if (node.certs.custom) {
        delete node.certs.custom;
        sim.touch();
      }
      restartProxy(ctx);
      return null;
    },
  },
];
