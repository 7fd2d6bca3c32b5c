/**
 * Targets whose reload command has not yet succeeded for what is installed there:
 * `<data dir>/certs/reload-pending/<name>` (JSON list of target fields). Marked before such an
 * install and cleared after it succeeded, so a failed reload (the files are already written, so
 * observe sees them as installed) and a pass that died in between are retried on the next pass.
 * Not in status: a failed pass does not record status.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { certsDir, readPrivateFile, writePrivateFile } from '../issuer/private-files.js';

function pendingPath(dataDir: string | undefined, name: string): string {
  return join(certsDir(dataDir), 'reload-pending', name);
}

export async function pendingReloads(
  dataDir: string | undefined,
  name: string,
): Promise<Set<string>> {
  const text = await readPrivateFile(pendingPath(dataDir, name));
  try {
    const v: unknown = text === undefined ? [] : JSON.parse(text);
    return new Set(Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  } catch {
    return new Set();
  }
}

export async function markReload(
  dataDir: string | undefined,
  name: string,
  field: string,
  pending: boolean,
): Promise<void> {
  const set = await pendingReloads(dataDir, name);
  if (set.has(field) === pending) return;
  if (pending) set.add(field);
  else set.delete(field);
  const path = pendingPath(dataDir, name);
  if (set.size === 0) await rm(path, { force: true });
  else await writePrivateFile(path, `${JSON.stringify([...set])}\n`);
}
