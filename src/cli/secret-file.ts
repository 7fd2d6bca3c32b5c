/**
 * Secret files named in settings (the API token secret): only a regular file is read — a directory,
 * fifo or device (`/dev/stdin`, `/dev/zero`) is refused rather than blocking or reading forever.
 */
import { readFileSync, statSync } from 'node:fs';

export function readSecretFileSync(path: string): string {
  if (!statSync(path).isFile())
    throw Object.assign(new Error(`${path} is not a regular file`), { code: 'ENOTREG' });
  return readFileSync(path, 'utf8');
}

/** The file's mode bits, or undefined when it cannot be stat'ed (reading it reports why). */
export function secretFileMode(path: string): number | undefined {
  try {
    return statSync(path).mode;
  } catch {
    return undefined;
  }
}
