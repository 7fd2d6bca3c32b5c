/** The Issuer kind as the registry lists it: schema, checks, CLI names, columns, and its reconciler. */
import type { KindModule } from '../kind-module.js';
import { issuerColumns } from './columns.js';
import { createIssuerReconciler, type IssuerReconcilerDeps } from './reconciler.js';
import { issuerSpecSchema, type IssuerSpec } from './schema.js';
import { validateIssuer } from './validate.js';

export const issuerKind: KindModule<IssuerSpec> = {
  kind: 'Issuer',
  plural: 'issuers',
  aliases: ['issuer'],
  schema: issuerSpecSchema,
  validate: validateIssuer,
  columns: issuerColumns,
  createReconciler: (deps, tuning) =>
    createIssuerReconciler({
      ...(deps.dataDir === undefined ? {} : { dataDir: deps.dataDir }),
      ...(tuning as Partial<IssuerReconcilerDeps>),
    }),
};
