/**
 * Files named in manifests and settings that hold secrets or keys (`auth.passwordFile`,
 * `access.privateKeyFile`, ...). Only a regular file is read: a directory, fifo or device
 * (`/dev/zero`, a socket) is refused instead of blocking or reading forever. A private one must not
 * be readable by group or others, as OpenSSH demands of a private key. Errors name the file and the
 * fix, never the content.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

export class SecretFileError extends Error {
  constructor(
    readonly code: 'ENOTREG' | 'EMODE',
    message: string,
  ) {
    super(message);
    this.name = 'SecretFileError';
  }
}

/** One line on why a secret file could not be used: the fix for ours, the errno code otherwise. */
export function secretFileReason(err: unknown): string {
  if (err instanceof SecretFileError) return err.message;
  return (err as NodeJS.ErrnoException).code ?? 'error';
}

export async function readSecretFile(path: string, opts: { private: boolean }): Promise<string> {
  // O_NONBLOCK: opening a fifo must not wait for a writer before the type check refuses it.
  const fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new SecretFileError('ENOTREG', 'not a regular file');
    if (opts.private && (st.mode & 0o077) !== 0)
      throw new SecretFileError(
        'EMODE',
        `readable by group or others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}): run chmod 600 on it`,
      );
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}
