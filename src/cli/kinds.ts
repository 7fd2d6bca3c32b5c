/** Resolves what a user types (`bridges`, `bridge`, `br`, `Bridge`) to a kind name. */
import type { KindDefinition } from '../core/kind.js';
import { kindDefinitions } from '../kinds/registry.js';
import { ConfigError } from './config.js';

export function resolveKind(word: string): string {
  return resolveKindDefinition(word).kind;
}

/** The definition of the kind a user names (its columns, for `pxr get`). */
export function resolveKindDefinition(word: string): KindDefinition {
  const w = word.toLowerCase();
  for (const k of kindDefinitions()) {
    const names = [
      k.kind.toLowerCase(),
      k.plural.toLowerCase(),
      ...(k.aliases ?? []).map((a) => a.toLowerCase()),
    ];
    if (names.includes(w)) return k;
  }
  const known = kindDefinitions()
    .map((k) => k.plural)
    .join(', ');
  throw new ConfigError(`unknown kind '${word}' (known: ${known})`);
}

/** `bridge/personal` → ref; kind resolved. */
export function parseRef(text: string): { kind: string; name: string } {
  const i = text.indexOf('/');
  if (i <= 0 || i === text.length - 1)
    throw new ConfigError(`'${text}' is not KIND/NAME (e.g. bridge/personal)`);
  return { kind: resolveKind(text.slice(0, i)), name: text.slice(i + 1) };
}
