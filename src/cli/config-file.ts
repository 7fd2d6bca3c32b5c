import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from './config.js';

/** Reads `--config FILE`, or `pxr.yaml` in the working directory when present. */
export function readConfigFile(
  explicit: string | undefined,
  cwd: string,
): { path: string; text: string } | undefined {
  const path = resolve(cwd, explicit ?? 'pxr.yaml');
  try {
    return { path: explicit ?? 'pxr.yaml', text: readFileSync(path, 'utf8') };
  } catch (err) {
    if (!explicit && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(
      `--config: cannot read '${explicit ?? path}': ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}
