/**
 * The Certificate spec schema (cert-manager's Certificate, adapted): what to issue, from which
 * Issuer, how long it lives and when it is renewed, and where it is installed: a Proxmox node's web
 * certificate (pveproxy, port 8006) and files in AppContainers (written through `pct`).
 */
import type { FromSchema } from 'json-schema-to-ts';
import { PVE_NODE_PATTERN } from '../../source/checks.js';
import { applianceSpecSchema } from '../appliance/schema.js';
import { DURATION_PATTERN, privateKeySchema } from '../issuer/schema.js';

const accessProps = applianceSpecSchema.properties.access.properties;

const filePath = {
  type: 'string',
  pattern: '^/[^\\u0000]*[^/]$',
  maxLength: 4096,
} as const;

/** One set of files in an AppContainer (certificate, optional chain, key). */
const fileTargetSchema = {
  type: 'object',
  description:
    'Files in an AppContainer, each written atomically (temp file beside it, then rename) through `pct push`, read back on every pass; then `reloadCommand` runs.',
  required: ['container', 'certificate', 'key', 'access'],
  additionalProperties: false,
  properties: {
    container: {
      type: 'string',
      minLength: 1,
      maxLength: 63,
      description: 'Name of the AppContainer (its node and VMID are read from it).',
    },
    certificate: {
      ...filePath,
      description:
        'Absolute path of the certificate file (mode 0644): the leaf followed by its CA chain, or the leaf alone when `chain` is given.',
    },
    chain: {
      ...filePath,
      description: 'Absolute path of a separate CA chain file (mode 0644).',
    },
    key: {
      ...filePath,
      description: 'Absolute path of the private key file (PKCS#8 PEM), mode `mode`.',
    },
    mode: {
      type: 'string',
      pattern: '^0?[0-7]{3}$',
      default: '0600',
      description: 'Mode of the key file, as an octal string (`0640` to let a group read it).',
    },
    owner: {
      type: 'string',
      pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$',
      maxLength: 65,
      description: '`user` or `user:group` the files are given to (`chown`); default root.',
    },
    reloadCommand: {
      type: 'array',
      minItems: 1,
      items: { type: 'string' },
      description:
        'Run inside the container after the files changed, as an argv without a shell, e.g. `[systemctl, reload, nginx]`; a non-zero exit fails the pass.',
    },
    access: {
      type: 'object',
      required: ['transport'],
      additionalProperties: false,
      description:
        'How pxr reaches into the container: `pct` (ssh to the node, then `pct exec`/`pct push`), or `simulated` (in memory, for `pxr run --sim`).',
      properties: {
        transport: { type: 'string', enum: ['pct', 'simulated'], description: 'How to reach it.' },
        host: { ...accessProps.host, description: 'The Proxmox node address (ssh).' },
        port: accessProps.port,
        user: accessProps.user,
        privateKeyFile: accessProps.privateKeyFile,
        hostKeyFingerprint: accessProps.hostKeyFingerprint,
      },
    },
  },
} as const;

export const certificateSpecSchema = {
  type: 'object',
  description:
    'An X.509 server certificate pxr issues from an Issuer, keeps (key 0600 under the data directory), installs where it is served, verifies there, and renews before it expires.',
  required: ['issuerRef'],
  additionalProperties: false,
  properties: {
    issuerRef: {
      type: 'object',
      description: 'The Issuer that signs it.',
      required: ['name'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1, description: 'Name of the Issuer.' },
        kind: { const: 'Issuer', default: 'Issuer', description: 'Always `Issuer`.' },
      },
    },
    commonName: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      description:
        'Subject CN (clients check the SANs; keep it one of `dnsNames`). Default: the first DNS name, else the first IP address.',
    },
    dnsNames: {
      type: 'array',
      description: 'DNS subject alternative names, e.g. `[pve.example.internal]`.',
      items: {
        type: 'string',
        pattern:
          '^(\\*\\.)?[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$',
        maxLength: 253,
        description: 'A DNS name (a leading `*.` for a wildcard).',
      },
      default: [],
    },
    ipAddresses: {
      type: 'array',
      description: 'IP subject alternative names (IPv4 or IPv6), e.g. `[172.16.100.10]`.',
      items: { type: 'string', minLength: 2, description: 'An IP address.' },
      default: [],
    },
    duration: {
      type: 'string',
      pattern: DURATION_PATTERN,
      default: '2160h',
      description: 'Requested lifetime (`2160h` = 90 days, `24h`, `30d`).',
    },
    renewBefore: {
      type: 'string',
      pattern: DURATION_PATTERN,
      description:
        "Renew this long before notAfter. Default: a third of the issued certificate's real lifetime, which is also used (with a Warning event) when renewBefore is not shorter than that lifetime. Not with `renewBeforePercentage`.",
    },
    renewBeforePercentage: {
      type: 'integer',
      minimum: 1,
      maximum: 99,
      description:
        'Renew when this percentage of the issued lifetime is left. Not with `renewBefore`.',
    },
    privateKey: {
      ...privateKeySchema,
      description: "The certificate's key.",
      properties: {
        ...privateKeySchema.properties,
        algorithm: { ...privateKeySchema.properties.algorithm, default: 'ECDSA' },
        rotationPolicy: {
          enum: ['Always', 'Never'],
          default: 'Always',
          description:
            '`Always`: a new key with every issuance; `Never`: keep the key across renewals.',
        },
      },
      default: {},
    },
    targets: {
      type: 'object',
      description:
        'Where the certificate is installed and verified; none: it is issued and stored only.',
      additionalProperties: false,
      default: {},
      properties: {
        appliance: {
          type: 'object',
          description:
            "An Appliance's reverse proxy: Caddy serves the certificate over `proxy.httpsPort` for the matching hosts (files in the appliance, key 0600, loaded through the admin API; Caddy does not manage a host that has a loaded certificate, so pxr owns renewal). Verified by a TLS handshake with SNI to that port, made inside the appliance, comparing the fingerprint.",
          required: ['name'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, description: 'The Appliance.' },
            hosts: {
              type: 'array',
              minItems: 1,
              items: { type: 'string', minLength: 1 },
              description:
                'The hosts (SNI names) the handshake checks. Default: the non-wildcard `dnsNames`.',
            },
          },
        },
        node: {
          type: 'object',
          description:
            "A Proxmox node's web certificate (`POST /nodes/{node}/certificates/custom`, pveproxy restarted); verified by the fingerprint the node reports serving.",
          required: ['name'],
          additionalProperties: false,
          properties: {
            name: {
              type: 'string',
              pattern: PVE_NODE_PATTERN,
              maxLength: 63,
              description: 'The node, e.g. `pve`.',
            },
          },
        },
        files: {
          type: 'array',
          description: 'Files in AppContainers.',
          items: fileTargetSchema,
          default: [],
        },
      },
    },
  },
} as const;

export type CertificateSpec = FromSchema<typeof certificateSpecSchema>;
