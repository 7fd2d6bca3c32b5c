/**
 * One ACME issuance, start to end: order → for each pending authorization, its http-01 challenge
 * presented by the solver, checked by pxr itself through the same path the CA takes (a broken route
 * fails here, before the CA counts a failed validation), then validated by the CA → finalize with
 * the CSR → the chain. Challenges are removed afterwards whatever happened.
 */
import { AcmeError, type AcmeClient } from './client.js';
import { createCsr } from './csr.js';
import { thumbprint } from './jws.js';

/** Serves http-01 answers at `http://NAME/.well-known/acme-challenge/TOKEN`. */
export interface Http01Solver {
  /** What answers, for messages (`Appliance/lan caddy`). */
  readonly description: string;
  present(name: string, token: string, keyAuthorization: string): Promise<void>;
  /** Fetches the answer the way the CA will; throws when it is not `keyAuthorization`. */
  selfCheck(name: string, token: string, keyAuthorization: string): Promise<void>;
  cleanup(name: string, token: string): Promise<void>;
}

export interface ObtainRequest {
  client: AcmeClient;
  commonName?: string | undefined;
  dnsNames: readonly string[];
  /** The certificate's private key (PKCS#8 PEM). */
  keyPem: string;
  solver: Http01Solver;
}

export interface Obtained {
  /** Leaf first (PEM). */
  chain: string;
  orderUrl: string;
}

export async function obtainCertificate(req: ObtainRequest): Promise<Obtained> {
  const { client, solver } = req;
  const { url: orderUrl, order } = await client.newOrder(
    req.dnsNames.map((value) => ({ type: 'dns' as const, value })),
  );
  const presented: Array<{ name: string; token: string }> = [];
  try {
    for (const authzUrl of order.authorizations) {
      const authz = await client.authorization(authzUrl);
      if (authz.status === 'valid') continue;
      const name = authz.identifier.value;
      const ch = authz.challenges.find((c) => c.type === 'http-01');
      if (!ch)
        throw new AcmeError(
          'unsupportedChallenge',
          `the CA offers no http-01 challenge for ${name} (offered: ${authz.challenges.map((c) => c.type).join(', ')})`,
          0,
        );
      const keyAuth = `${ch.token}.${thumbprint(client.accountKey)}`;
      await solver.present(name, ch.token, keyAuth);
      presented.push({ name, token: ch.token });
      await solver.selfCheck(name, ch.token, keyAuth);
      await client.respond(ch.url);
      await client.waitAuthorization(authzUrl);
    }
    const ready = await client.waitOrderReady(orderUrl);
    const csr = await createCsr(req.keyPem, req.commonName, req.dnsNames);
    const done = await client.finalize(orderUrl, ready, csr);
    const chain = await client.certificate(done.certificate as string);
    return { chain, orderUrl };
  } finally {
    for (const p of presented) await solver.cleanup(p.name, p.token).catch(() => undefined);
  }
}
