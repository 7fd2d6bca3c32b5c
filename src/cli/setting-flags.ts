/**
 * The settings every command that reaches Proxmox takes as flags (`pxr run`, `pxr diff`), from the
 * one table of settings in config.ts: the parser's options and the raw values they give.
 */
import { resolve } from 'node:path';
import type { Io } from './args.js';
import { readConfigFile } from './config-file.js';
import {
  resolveConfig,
  SETTINGS,
  type PxrConfig,
  type RawSettings,
  type ResolveInput,
} from './config.js';
import { readSecretFileSync, secretFileMode } from './secret-file.js';

export const SETTING_FLAGS = Object.fromEntries(
  SETTINGS.filter((s) => s.flag).map((s) => [
    s.flag,
    { type: s.key === 'pveInsecure' ? 'boolean' : 'string' },
  ]),
) as Record<string, { type: 'string' | 'boolean' }>;

/** The settings given as flags in parsed `values`. */
export function settingsFromFlags(values: Record<string, unknown>): RawSettings {
  const flags: RawSettings = {};
  for (const s of SETTINGS) {
    const v = values[s.flag];
    if (typeof v === 'string' || typeof v === 'boolean') flags[s.key] = String(v);
  }
  return flags;
}

/**
 * The settings of a command that reaches Proxmox: flags, then `PXR_*`, then pxr.yaml (`--config`),
 * with the token secret file read relative to the working directory.
 */
export function resolvePveConfig(
  flags: ResolveInput['flags'],
  configFile: string | undefined,
  io: Io,
): PxrConfig {
  return resolveConfig({
    flags,
    env: io.env,
    file: readConfigFile(configFile, io.cwd),
    readFile: (p) => readSecretFileSync(resolve(io.cwd, p)),
    fileMode: (p) => secretFileMode(resolve(io.cwd, p)),
    needPve: true,
  });
}
