/** The Certificate kind as the registry lists it: schema, checks, CLI names, columns, watches, reconciler. */
import { sharedApplianceReach } from '../appliance/reach.js';
import type { KindModule } from '../kind-module.js';
import { certificateColumns } from './columns.js';
import { createCertificateReconciler, type CertificateReconcilerDeps } from './reconciler.js';
import { certificateSpecSchema, type CertificateSpec } from './schema.js';
import { validateCertificate } from './validate.js';

export const certificateKind: KindModule<CertificateSpec> = {
  kind: 'Certificate',
  plural: 'certificates',
  aliases: ['certificate', 'cert'],
  schema: certificateSpecSchema,
  validate: validateCertificate,
  dependsOn: ['Issuer'],
  // An Issuer that becomes Ready (or changes) queues the certificates it signs.
  watches: [
    {
      kind: 'Issuer',
      map: (issuer, reader) =>
        reader
          .list('Certificate')
          .filter((c) => (c.spec as CertificateSpec).issuerRef.name === issuer.name)
          .map((c) => c.name),
    },
    // An Appliance that becomes Ready (or changes ports) queues the certificates it serves.
    {
      kind: 'Appliance',
      map: (appliance, reader) =>
        reader
          .list('Certificate')
          .filter((c) => (c.spec as CertificateSpec).targets.appliance?.name === appliance.name)
          .map((c) => c.name),
    },
  ],
  columns: certificateColumns,
  createReconciler: (deps, tuning) =>
    createCertificateReconciler({
      ...(deps.dataDir === undefined ? {} : { dataDir: deps.dataDir }),
      appliances: sharedApplianceReach(deps),
      ...(tuning as Partial<CertificateReconcilerDeps>),
      pve: deps.pve,
    }),
};
