/** Every target kind a Certificate can be installed to, in the order they are installed. */
import type { StoredObject } from '../../../core/kind.js';
import type { CertificateSpec } from '../schema.js';
import type { ApplianceReach } from '../../appliance/reach.js';
import { applianceTarget } from './appliance.js';
import type { ContainerTransports } from './container-transport.js';
import { filesTarget } from './files.js';
import { nodeTarget } from './node.js';
import type { CertTarget, TargetEnv, TargetModule } from './types.js';

/** What target modules are built with (transports they keep open between passes). */
export interface TargetDeps {
  containerTransports: ContainerTransports;
  /** How to reach an Appliance's Caddy (the Appliance kind's transports). */
  appliances?: ApplianceReach | undefined;
}

export function targetModules(deps: TargetDeps): TargetModule[] {
  return [nodeTarget, filesTarget(deps.containerTransports), applianceTarget(deps.appliances)];
}

/** All places `o` is installed to. */
export async function placesOf(
  modules: readonly TargetModule[],
  o: StoredObject<CertificateSpec>,
  env: TargetEnv,
): Promise<CertTarget[]> {
  const out: CertTarget[] = [];
  for (const m of modules) out.push(...(await m.placesOf(o, env)));
  return out;
}

export type { CertTarget, TargetEnv, TargetModule } from './types.js';
