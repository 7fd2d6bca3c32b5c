/**
 * The settings every command that reaches Proxmox takes as flags (`pxr run`, `pxr diff`), from the
 * one table of settings in config.ts: the parser's options and the raw values they give.
 */
import { SETTINGS, type RawSettings } from './config.js';

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
