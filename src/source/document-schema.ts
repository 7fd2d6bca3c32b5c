/**
 * The whole-document JSON Schema every manifest follows (apiVersion, kind, metadata, spec), built from a
 * kind's spec schema. This is what `schemas/<kind>.schema.json` holds for editors and what Ajv checks.
 */
import { DNS_LABEL_MAX_LENGTH, DNS_LABEL_PATTERN } from './checks.js';

export const API_VERSION = 'pxr/v1alpha1';
export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

export const metadataSchema = {
  type: 'object',
  description: 'Identity of the object. Status is never written here: it lives in the store.',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: {
      type: 'string',
      description: 'Name of the object, unique per kind: a DNS-1123 label (at most 63 characters).',
      pattern: DNS_LABEL_PATTERN,
      maxLength: DNS_LABEL_MAX_LENGTH,
    },
    labels: {
      type: 'object',
      description: 'Labels used by selectors (e.g. firewall policies selecting guests).',
      additionalProperties: { type: 'string' },
      default: {},
    },
    annotations: {
      type: 'object',
      description: 'Per-object knobs such as `pxr/drift: alert` or `pxr/prune: disabled`.',
      additionalProperties: { type: 'string' },
      default: {},
    },
  },
} as const;

/** File name of a kind's exported schema, relative to `schemas/`. */
export function schemaFileName(kind: string): string {
  return `${kind.toLowerCase()}.schema.json`;
}

/** Builds the whole-document schema of `kind` around its spec schema. */
export function documentSchema(
  kind: string,
  specSchema: Record<string, unknown>,
): Record<string, unknown> {
  return {
    $schema: JSON_SCHEMA_DIALECT,
    title: `pxr ${kind}`,
    description: `A ${kind} manifest (${API_VERSION}).`,
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    additionalProperties: false,
    properties: {
      apiVersion: {
        description: 'Version of the manifest format.',
        const: API_VERSION,
      },
      kind: { description: 'Kind of the object.', const: kind },
      metadata: metadataSchema,
      spec: specSchema,
    },
  };
}
