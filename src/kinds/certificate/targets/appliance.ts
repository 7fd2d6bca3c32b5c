/**
 * The appliance target: an Appliance's Caddy serves the certificate over `proxy.httpsPort` for the
 * matching hosts. Installed as two files in the appliance (key 0600) and a `load_files` entry in
 * Caddy's TLS app (appliance/services/caddy-certs.ts); Caddy then serves it for the names it
 * carries and keeps its own certificate management off them. Observed by what Caddy really
 * presents: a TLS handshake with SNI to the HTTPS port, made inside the appliance, for every host;
 * the leaf's fingerprint is compared with the stored one (a host serving another certificate is
 * drift, corrected and recorded by the reconciler).
 */
import { X509Certificate } from 'node:crypto';
import { PxrError, TerminalError } from '../../../core/errors.js';
import {
  certPaths,
  loadCertificate,
  servedCertificate,
  type CaddyReach,
} from '../../../appliance/services/caddy-certs.js';
import { ApplianceNotReady, caddyReachOf, type ApplianceReach } from '../../appliance/reach.js';
import type { CertificateSpec } from '../schema.js';
import { scrubPem } from './scrub.js';
import type { TargetModule } from './types.js';

/** The SNI names checked: `hosts`, else the DNS names without wildcards. */
export function applianceHosts(spec: CertificateSpec): string[] {
  const t = spec.targets?.appliance;
  if (!t) return [];
  return (t.hosts ?? (spec.dnsNames ?? []).filter((d) => !d.startsWith('*.'))).map((h) =>
    h.toLowerCase(),
  );
}

export const applianceTarget = (appliances: ApplianceReach | undefined): TargetModule => ({
  key: 'appliance',
  async placesOf(o, { ctx }) {
    const t = o.spec.targets?.appliance;
    if (!t) return [];
    if (!appliances)
      throw new TerminalError('NoApplianceAccess', 'this pxr has no way to reach appliances');
    const hosts = applianceHosts(o.spec);
    if (hosts.length === 0)
      throw new TerminalError(
        'NoHosts',
        'targets.appliance needs hosts (or non-wildcard dnsNames) to serve the certificate for',
      );
    const field = 'targets.appliance';
    let r: CaddyReach;
    try {
      r = await caddyReachOf(ctx, appliances, t.name);
    } catch (err) {
      if (!(err instanceof ApplianceNotReady)) throw err;
      // Not there yet: the certificate is still issued and kept; the Appliance watch brings it back.
      const notYet = (): Promise<never> => Promise.reject(err);
      const place = `Appliance/${t.name} caddy`;
      return [{ field, place, calls: [], observe: notYet, install: notYet, waiting: err.message }];
    }
    if (r.httpsPort === undefined)
      throw new TerminalError(
        'NoHttpsPort',
        `Appliance/${t.name} has no proxy.httpsPort: Caddy serves no HTTPS to install the certificate on`,
      );
    const paths = certPaths(r, o.name);
    return [
      {
        field,
        place: `Appliance/${t.name} caddy :${r.httpsPort}`,
        calls: [
          `write ${paths.cert}, ${paths.key} (0600) in Appliance/${t.name}`,
          'POST /config/apps/tls/certificates (load_files) to the Caddy admin API',
          `TLS handshake to :${r.httpsPort} with SNI ${hosts.join(', ')}`,
        ],
        async observe(stored) {
          let seen: string | undefined;
          for (const host of hosts) {
            const pem = await servedCertificate(r, host);
            const fp = pem ? new X509Certificate(pem).fingerprint256 : undefined;
            // One host serving something else is enough to reinstall: report what it serves.
            if (fp !== stored?.fingerprint) return fp ?? (seen ? `nothing for ${host}` : undefined);
            seen = fp;
          }
          return seen;
        },
        async install(cert) {
          try {
            await loadCertificate(r, o.name, cert);
          } catch (err) {
            const e = err as Error & { code?: string };
            throw new PxrError(
              e.code ?? 'INSTALL_FAILED',
              `installing the certificate in Appliance/${t.name} failed: ${scrubPem(e.message)}`,
            );
          }
        },
      },
    ];
  },
});
