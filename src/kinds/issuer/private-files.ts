/**
 * Durable private files under pxr's data directory (CA keys, issued certificates with their keys).
 * Why files and not the store: SQLite rows are what `pxr get -o json`, status, events and database
 * backups read, so a key there is one careless query away from being printed; encrypting it in the
 * store would still need a key kept in a file. A 0600 file in a 0700 directory is what OpenSSH and
 * Proxmox itself (`/etc/pve/local/pveproxy-ssl.key`) do. Writes are atomic (temporary file, fsync,
 * rename, fsync of the directory): after a crash the file is the old one or the new one, whole.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PxrError, TerminalError } from '../../core/errors.js';
import { readSecretFile } from '../../core/secret-file.js';

/** Where the certificate kinds keep their files below the data directory. */
export function certsDir(dataDir: string | undefined): string {
  if (dataDir === undefined) {
    throw new TerminalError(
      'NoDataDirectory',
      'issuers and certificates need a data directory for their keys: run pxr with a --db file, not :memory:',
    );
  }
  return join(dataDir, 'certs');
}

export async function writePrivateFile(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new PxrError(
      'WRITE_FAILED',
      `cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      {
        cause: err,
      },
    );
  }
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** The file's text, or undefined when it does not exist (any other failure throws, naming the file). */
export async function readPrivateFile(path: string): Promise<string | undefined> {
  try {
    return await readSecretFile(path, { private: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PxrError('READ_FAILED', `cannot read ${path}: ${(err as Error).message}`);
  }
}
