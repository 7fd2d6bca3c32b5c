import { PxrError } from '../core/errors.js';

/** Parses a JSON column; a corrupt value is a store error with its location, never a silent default. */
export function parseColumn<T>(text: string, table: string, column: string, key: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new PxrError('STORE_CORRUPT_JSON', `invalid JSON in ${table}.${column} for ${key}`, {
      cause: err,
      context: { table, column, key },
    });
  }
}
