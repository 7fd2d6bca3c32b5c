/** Every target kind a Certificate can be installed to, in the order they are installed. */
import type { StoredObject } from '../../../core/kind.js';
import type { CertificateSpec } from '../schema.js';
import { applianceTarget } from './appliance.js';
import { nodeTarget } from './node.js';
import type { CertTarget, TargetEnv, TargetModule } from './types.js';

export const TARGET_MODULES: readonly TargetModule[] = [nodeTarget, applianceTarget];

/** All places `o` is installed to. */
export async function placesOf(
  o: StoredObject<CertificateSpec>,
  env: TargetEnv,
): Promise<CertTarget[]> {
  const out: CertTarget[] = [];
  for (const m of TARGET_MODULES) out.push(...(await m.placesOf(o, env)));
  return out;
}

export { TargetNotReady, type CertTarget, type TargetEnv, type TargetModule } from './types.js';
