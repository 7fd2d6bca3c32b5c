/** Node certificates as PEM text. See FACTS §8. */
export interface NodeCertState {
  /** pve-root-ca.pem */
  rootCa: string;
  /** pve-ssl.pem + key (signed by the root CA) */
  ssl: { cert: string; key: string };
  /** pveproxy-ssl.pem + key (custom upload), when present. */
  custom?: { cert: string; key: string };
}
