/**
 * Narrowing of parsed YAML/JSON and stored specs, which arrive as `unknown`: one definition of "a
 * mapping" (an object that is not null and not an array) for every reader.
 */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `v` when it is a mapping, else an empty one (reads of optional sections). */
export function asRecord(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

/** `v` when it is a mapping, else undefined (checks that must tell a missing section apart). */
export function recordOrUndefined(v: unknown): Record<string, unknown> | undefined {
  return isRecord(v) ? v : undefined;
}
