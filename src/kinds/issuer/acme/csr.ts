/** The certificate signing request ACME's finalize takes: the names as SANs, signed by the leaf key. */
import '../../../sim/certs/reflect-metadata.js';
import * as x509 from '@peculiar/x509';
import { publicKey, signingAlgorithm, signingKey } from '../pki.js';

/** A PKCS#10 CSR (DER) for `dnsNames` with `commonName` as the subject CN (empty when absent). */
export async function createCsr(
  keyPem: string,
  commonName: string | undefined,
  dnsNames: readonly string[],
): Promise<Buffer> {
  const signer = await signingKey(keyPem);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: commonName ? `CN=${commonName.replace(/([,+"\\<>;=])/g, '\\$1')}` : '',
    keys: { privateKey: signer.key, publicKey: await publicKey(keyPem) },
    signingAlgorithm: signingAlgorithm(signer.spec),
    extensions: [
      new x509.SubjectAlternativeNameExtension(
        dnsNames.map((value) => ({ type: 'dns' as const, value })),
      ),
    ],
  });
  return Buffer.from(csr.rawData);
}
