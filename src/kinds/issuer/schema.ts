/**
 * The Issuer spec schema (single source of truth: the type is derived from it and
 * `schemas/issuer.schema.json` is exported from it). Exactly one of `selfSigned` or `ca`.
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
    "Signs certificates for Certificate objects: pxr's own CA (`ca`, created on first use and kept in the data directory, or supplied from files) or `selfSigned` (each certificate signs itself).",
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  properties: {
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
