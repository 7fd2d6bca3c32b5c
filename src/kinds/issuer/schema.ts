/**
 * The Issuer spec schema (single source of truth: the type is derived from it and
 * `schemas/issuer.schema.json` is exported from it). Exactly one of `acme`, `ca` or `selfSigned`.
 */
import type { FromSchema } from 'json-schema-to-ts';

/** A Go-style duration as cert-manager writes them: `2160h`, `90d`, `1h30m`, `45s`. */
export const DURATION_PATTERN = '^(\\d+(d|h|m|s))+$';

export const privateKeySchema = {
  type: 'object',
  description: 'The key to generate.',
  additionalProperties: false,
  properties: {
    algorithm: {
      enum: ['ECDSA', 'RSA', 'Ed25519'],
      description: 'Key algorithm.',
    },
    size: {
      type: 'integer',
      description:
        'RSA: 2048, 3072 or 4096 (default 2048); ECDSA: 256 or 384 (the curve P-256 or P-384, default 256); ignored for Ed25519.',
    },
  },
} as const;

export const issuerSpecSchema = {
  type: 'object',
  description:
    "Signs certificates for Certificate objects: an ACME CA (`acme`: Let's Encrypt, Step-CA's ACME provisioner, any RFC 8555 server), pxr's own CA (`ca`, created on first use and kept in the data directory, or supplied from files) or `selfSigned` (each certificate signs itself).",
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  properties: {
    acme: {
      type: 'object',
      description:
        "An ACME (RFC 8555) CA. pxr registers an account (key ECDSA P-256, created on first use under `<data dir>/certs/issuers/<name>/acme-account.key`, mode 0600) and proves control of each DNS name with http-01, answered by an Appliance's Caddy for the names it serves. Ready = the account is registered.",
      required: ['server'],
      additionalProperties: false,
      properties: {
        server: {
          type: 'string',
          pattern: '^https://',
          description:
            'The directory URL, e.g. `https://acme-v02.api.letsencrypt.org/directory` or `https://ca.internal:9000/acme/acme/directory` (Step-CA).',
        },
        email: {
          type: 'string',
          pattern: '^[^@\\s]+@[^@\\s]+$',
          description: 'Contact of the account (expiry notices from the CA).',
        },
        caBundleFile: {
          type: 'string',
          minLength: 1,
          description:
            "PEM file of the CA certificate(s) that signed the ACME server's own TLS certificate, for a private server (Step-CA); trusted on top of the system's.",
        },
        externalAccountBinding: {
          type: 'object',
          description:
            'External account binding (RFC 8555 §7.3.4) when the CA requires one (ZeroSSL, Step-CA with EAB).',
          required: ['keyId', 'hmacKeyFile'],
          additionalProperties: false,
          properties: {
            keyId: { type: 'string', minLength: 1, description: 'The key identifier the CA gave.' },
            hmacKeyFile: {
              type: 'string',
              minLength: 1,
              description:
                'File holding the base64url HMAC key the CA gave; must not be readable by group or others.',
            },
          },
        },
        http01: {
          type: 'object',
          description:
            "Who answers http-01 challenges. Default: the Appliance of the Certificate's `targets.appliance`.",
          required: ['appliance'],
          additionalProperties: false,
          properties: {
            appliance: {
              type: 'string',
              minLength: 1,
              description:
                'The Appliance whose Caddy answers at `http://NAME/.well-known/acme-challenge/` on `proxy.httpPort`; the names must be hosts it serves.',
            },
          },
        },
      },
    },
    selfSigned: {
      type: 'object',
      description: 'Each certificate is signed by its own key (no chain; clients must pin it).',
      additionalProperties: false,
      properties: {},
    },
    ca: {
      type: 'object',
      description:
        'A certificate authority kept by pxr. Without files, its key and certificate are created on first use under `<data dir>/certs/issuers/<name>/` (mode 0600) and kept; with `certFile` and `keyFile`, an existing CA (the mesh CA) is loaded from them.',
      additionalProperties: false,
      properties: {
        certFile: {
          type: 'string',
          minLength: 1,
          description: 'PEM file of an existing CA certificate (with `keyFile`).',
        },
        keyFile: {
          type: 'string',
          minLength: 1,
          description:
            'PEM file of the CA private key (with `certFile`); must not be readable by group or others.',
        },
        commonName: {
          type: 'string',
          minLength: 1,
          maxLength: 64,
          description: 'Subject CN of a CA pxr creates. Default: `pxr CA <name>`.',
        },
        duration: {
          type: 'string',
          pattern: DURATION_PATTERN,
          default: '87600h',
          description: 'Lifetime of a CA pxr creates (default ten years).',
        },
        privateKey: {
          ...privateKeySchema,
          description: 'Key of a CA pxr creates (default ECDSA P-256).',
          properties: {
            ...privateKeySchema.properties,
            algorithm: { ...privateKeySchema.properties.algorithm, default: 'ECDSA' },
          },
        },
      },
    },
  },
} as const;

export type IssuerSpec = FromSchema<typeof issuerSpecSchema>;
export type AcmeIssuerSpec = NonNullable<IssuerSpec['acme']>;
