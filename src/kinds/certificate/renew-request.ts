/**
 * `pxr renew certificate/NAME` (like `cmctl renew`): a request file
 * `<data dir>/certs/renew/<name>` holding the time it was made. A certificate stored before that
 * time is re-issued on the next pass; one stored after it satisfies the request, so the file needs
 * no removal and a pass that dies after issuing never issues twice for one request. The stored
 * bundle's modification time is its issuance time (it is written once, atomically, when issued;
 * `notBefore` cannot serve: CAs backdate it).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { certsDir, readPrivateFile, writePrivateFile } from '../issuer/private-files.js';
import { storedPath } from './stored.js';

export function renewRequestPath(dataDir: string | undefined, name: string): string {
  return join(certsDir(dataDir), 'renew', name);
}

export async function requestRenewal(
  dataDir: string | undefined,
  name: string,
  at: number,
): Promise<void> {
  await writePrivateFile(renewRequestPath(dataDir, name), `${new Date(at).toISOString()}\n`);
}

/** Why to issue now because of `pxr renew`, or undefined (no request, or already served). */
export async function renewalRequested(
  dataDir: string | undefined,
  name: string,
): Promise<string | undefined> {
  const text = await readPrivateFile(renewRequestPath(dataDir, name));
  const at = text === undefined ? NaN : Date.parse(text.trim());
  if (Number.isNaN(at)) return undefined;
  const issued = await stat(storedPath(dataDir, name)).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
  if (issued !== undefined && issued >= at) return undefined;
  return `renewal requested with pxr renew at ${new Date(at).toISOString()}`;
}
