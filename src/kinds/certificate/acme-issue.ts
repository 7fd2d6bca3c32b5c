/**
 * Issuing a Certificate from an `acme` Issuer: the http-01 answers are served by an Appliance's
 * Caddy (the Issuer's `http01.appliance`, else the certificate's own `targets.appliance`), each one
 * fetched back by pxr through the appliance before the CA is asked to validate it, and removed
 * afterwards. Only DNS names: http-01 cannot prove an IP address through a Host-routed proxy.
 */
import { PxrError, TerminalError } from '../../core/errors.js';
import type { PlanContext, StoredObject } from '../../core/kind.js';
import {
  addChallenge,
  fetchChallenge,
  removeChallenge,
  servedHosts,
  type CaddyReach,
} from '../../appliance/services/caddy-certs.js';
import { caddyReachOf, type ApplianceReach } from '../appliance/reach.js';
import type { Signer } from '../issuer/ca-source.js';
import { openAcme } from '../issuer/acme/connect.js';
import { obtainCertificate, type Http01Solver } from '../issuer/acme/obtain.js';
import { subjectName } from './decide.js';
import type { CertificateSpec } from './schema.js';

/** What an ACME CA cannot issue for this spec; undefined when it can. */
export function acmeProblem(spec: CertificateSpec): string | undefined {
  const dns = (spec.dnsNames ?? []).map((d) => d.toLowerCase());
  if ((spec.ipAddresses ?? []).length > 0)
    return 'an acme Issuer issues DNS names only (http-01): remove ipAddresses';
  if (dns.length === 0) return 'an acme Issuer needs dnsNames';
  if (dns.some((d) => d.startsWith('*.')))
    return 'wildcard names need dns-01, which pxr does not answer: use http-01 names';
  if (spec.commonName && !dns.includes(spec.commonName.toLowerCase()))
    return 'with an acme Issuer, commonName must be one of dnsNames';
  return undefined;
}

/** http-01 answered by one appliance's Caddy, for the hosts it routes. */
export function caddySolver(r: CaddyReach, appliance: string): Http01Solver {
  let hosts: Set<string> | undefined;
  return {
    description: `Appliance/${appliance} caddy`,
    async present(name, token, keyAuth) {
      hosts ??= new Set(await servedHosts(r));
      if (!hosts.has(name.toLowerCase()))
        throw new TerminalError(
          'NameNotServed',
          `${name} is not a host Appliance/${appliance} serves (its routes: ${[...hosts].join(', ') || 'none'}); the CA could not reach the answer there`,
        );
      await addChallenge(r, name, token, keyAuth);
    },
    async selfCheck(name, token, keyAuth) {
      const body = await fetchChallenge(r, name, token);
      if (body !== keyAuth)
        throw new PxrError(
          'ACME_SELF_CHECK_FAILED',
          `http://${name}/.well-known/acme-challenge/${token} through Appliance/${appliance} answered something else than the key authorization; the CA was not asked`,
        );
    },
    cleanup: (_name, token) => removeChallenge(r, token),
  };
}

/** Orders and downloads the chain (leaf first) for `keyPem`. */
export async function issueWithAcme(
  ctx: PlanContext,
  o: StoredObject<CertificateSpec>,
  signer: Signer & { type: 'acme' },
  keyPem: string,
  appliances: ApplianceReach | undefined,
  sleep: (ms: number) => Promise<void>,
): Promise<string> {
  const problem = acmeProblem(o.spec);
  if (problem) throw new TerminalError('NotForAcme', problem);
  const appliance = signer.acme.http01?.appliance ?? o.spec.targets?.appliance?.name;
  if (!appliance || !appliances)
    throw new TerminalError(
      'NoHttp01Solver',
      `Issuer/${signer.issuer} has no http01.appliance and the certificate no targets.appliance: nothing answers http-01`,
    );
  const reach = await caddyReachOf(ctx, appliances, appliance);
  const session = await openAcme(signer.acme, signer.accountKey, sleep);
  try {
    const got = await obtainCertificate({
      client: session.client,
      commonName: subjectName(o.spec),
      dnsNames: (o.spec.dnsNames ?? []).map((d) => d.toLowerCase()),
      keyPem,
      solver: caddySolver(reach, appliance),
    });
    return got.chain;
  } finally {
    await session.client.close();
  }
}
