/** The Certificate kind as the registry lists it: schema, checks, CLI names, columns, watches, reconciler. */
import type { Reconciler } from '../../core/kind.js';
import { sharedApplianceReach } from '../appliance/reach.js';
import type { KindModule } from '../kind-module.js';
import type { GuestHome } from '../../appliance/transport/simulated.js';
import { certificateColumns } from './columns.js';
import { createCertificateReconciler, type CertificateReconcilerDeps } from './reconciler.js';
import { certificateSpecSchema, type CertificateSpec } from './schema.js';
import { defaultContainerTransports } from './targets/container-transport.js';
import { validateCertificate } from './validate.js';

export const certificateKind: KindModule<CertificateSpec> = {
  kind: 'Certificate',
  plural: 'certificates',
  aliases: ['certificate', 'cert'],
  schema: certificateSpecSchema,
  validate: validateCertificate,
  dependsOn: ['Issuer', 'AppContainer'],
  // An Issuer that becomes Ready (or changes) queues the certificates it signs; an AppContainer
  // that appears (or gets its VMID) queues the certificates with files in it.
  watches: [
    {
      kind: 'Issuer',
      map: (issuer, reader) =>
        reader
          .list('Certificate')
          .filter((c) => (c.spec as CertificateSpec).issuerRef.name === issuer.name)
          .map((c) => c.name),
    },
    {
      kind: 'AppContainer',
      map: (ct, reader) =>
        reader
          .list('Certificate')
          .filter((c) =>
            ((c.spec as CertificateSpec).targets?.files ?? []).some((f) => f.container === ct.name),
          )
          .map((c) => c.name),
    },
    // An Appliance that becomes Ready (or changes ports) queues the certificates it serves.
    {
      kind: 'Appliance',
      map: (appliance, reader) =>
        reader
          .list('Certificate')
          .filter((c) => (c.spec as CertificateSpec).targets?.appliance?.name === appliance.name)
          .map((c) => c.name),
    },
  ],
  columns: certificateColumns,
  createReconciler: (deps, tuning): Reconciler<CertificateSpec> => {
    // The connections into containers stay open between passes; closed when pxr stops (unless the
    // caller brought its own, which it closes itself).
    const { simulatedHome, ...t } = tuning as Partial<CertificateReconcilerDeps> & {
      /** `pxr run --sim`: a simulated container's files live in the simulator's container. */
      simulatedHome?: (node: string, vmid: number) => GuestHome;
    };
    const own = defaultContainerTransports({
      clock: deps.clock,
      log: deps.log,
      ...(simulatedHome ? { simulatedHome } : {}),
    }); // opens nothing yet
    const r = createCertificateReconciler({
      ...(deps.dataDir === undefined ? {} : { dataDir: deps.dataDir }),
      appliances: sharedApplianceReach(deps),
      ...t,
      containerTransports: t.containerTransports ?? own,
      pve: deps.pve,
    });
    return Object.assign(r, { close: (): Promise<void> => own.closeAll() });
  },
};
