/** `pxr validate [dir]`: one read of the folder with every check, no store and no Proxmox. */
import { systemClock } from '../core/clock.js';
import type { KindDefinition } from '../core/kind.js';
import { readManifestDir } from './reader.js';
import type { SourceIssue } from './types.js';
import { ManifestValidator } from './validate.js';
import { addressConflicts, type AddressConflict } from './address-conflicts.js';

export interface ValidateDirResult {
  /** Every problem found, located; empty when the folder is valid. */
  issues: SourceIssue[];
  /** Valid documents. */
  docs: number;
  /** Manifest files seen. */
  files: number;
  /** Addresses claimed twice on one network: warnings, not errors. */
  conflicts: AddressConflict[];
}

/** Reads and validates `dir`; throws a `SOURCE_UNREADABLE` PxrError when the folder cannot be read. */
export async function validateDir(
  dir: string,
  kinds: readonly KindDefinition[],
): Promise<ValidateDirResult> {
  const validator = new ManifestValidator(kinds);
  const { snapshot } = await readManifestDir(dir, { validator, clock: systemClock });
  return {
    issues: snapshot.issues,
    docs: snapshot.docs.length,
    files: snapshot.fileCount,
    conflicts: addressConflicts(snapshot.docs, kinds),
  };
}
