/** Opens the store for the CLI's commands other than `run`, with one clear line when it cannot. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { systemClock } from '../core/clock.js';
import { openStore, type Store } from '../store/store.js';
import { ConfigError, resolveConfig } from './config.js';
import type { Io } from './args.js';
import { readConfigFile } from './config-file.js';

export function openStoreForCli(flags: { db?: string; config?: string }, io: Io): Store {
  return openStore(storePathForCli(flags, io), { clock: systemClock, readonly: true });
}

/** The store file the settings name (flags, PXR_DB, pxr.yaml); a clear line when there is none. */
export function storePathForCli(flags: { db?: string; config?: string }, io: Io): string {
  const cfg = resolveConfig({
    flags: { ...(flags.db ? { db: flags.db } : {}) },
    env: io.env,
    file: readConfigFile(flags.config, io.cwd),
    readFile: () => '',
    needPve: false,
  });
  const path = resolve(io.cwd, cfg.db);
  if (!existsSync(path))
    throw new ConfigError(
      `no store at ${cfg.db} (has 'pxr run' been started here? use --db or PXR_DB)`,
    );
  return path;
}
