/**
 * The one interface every Certificate target implements (node web certificate, files in a
 * container, an Appliance's Caddy...). A target module turns a Certificate's spec into the places
 * it names; the reconciler then treats every place alike:
 *
 *   plan:  `observe()` what the place serves now (reads only) → a change when it is not the
 *          stored certificate (drift when pxr had installed exactly that one at that place);
 *   apply: `install(cert)` → `observe()` again (the read-back) → an error when it still differs.
 *
 * A place that cannot be reached yet (its container does not exist) says so in `waiting`: it is
 * neither observed nor installed, and the Certificate is not Ready until it can be.
 *
 * To add a target kind: write `targets/<kind>.ts` exporting a {@link TargetModule} (or a factory
 * of one taking what it needs from {@link TargetDeps}), list it in `targetModules` in
 * `targets/index.ts`, and add its schema under `targets` in `schema.ts`. Nothing
 * in the reconciler names a target kind. A target never puts key material in what it returns or
 * throws: errors go to events and logs (scrub PEM with `scrubPem`).
 */
import type { PlanContext, StoredObject } from '../../../core/kind.js';
import type { PveClient } from '../../../pve/types.js';
import type { CertificateSpec } from '../schema.js';
import type { StoredCert } from '../stored.js';

export interface CertTarget {
  /**
   * The plan field, the status key and the `pxr/drift-ignore` name of this place, stable while the
   * spec names it: `targets.node`, `targets.files[web:/etc/ssl/web.crt]`.
   */
  readonly field: string;
  /** Where it is, for people and for drift (`node pve`): an install recorded for another place is not ours. */
  readonly place: string;
  /** The calls an install makes, as `pxr diff` prints them. */
  readonly calls: string[];
  /**
   * What the place serves now, as the leaf's SHA-256 fingerprint (`AB:CD:...`, upper case), or
   * undefined when it serves nothing of its own. Anything else that makes it unlike the stored
   * certificate (a key file that does not match) is returned as a different string. Reads only.
   */
  observe(stored: StoredCert | undefined): Promise<string | undefined>;
  /** Puts the stored certificate and key there and makes what serves it pick them up. */
  install(cert: StoredCert): Promise<void>;
  /**
   * install runs a reload command that observe cannot see: pxr records per place the fingerprint
   * whose install (reload included) succeeded, and installs again while it is not the stored one.
   */
  readonly reloads?: boolean;
  /** Why the place cannot be reached yet; set, observe and install are not called. */
  waiting?: string;
}

/** What a target module may use to reach its places. */
export interface TargetEnv {
  pve: PveClient;
  /** The runtime's read-only view (other objects and their status). */
  ctx: PlanContext;
}

export interface TargetModule {
  /** The target kind, as under `spec.targets` (`node`, `files`). */
  readonly key: string;
  /**
   * The places `o`'s spec names for this kind ([] when none). Throws a TerminalError when a place
   * cannot be this certificate's (another Certificate holds it).
   */
  placesOf(o: StoredObject<CertificateSpec>, env: TargetEnv): CertTarget[] | Promise<CertTarget[]>;
}
