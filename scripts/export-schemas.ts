/**
 * Writes `schemas/<kind>.schema.json` from the TypeScript schemas (`npm run schemas`). The files are
 * checked in for editors (`# yaml-language-server: $schema=../schemas/bridge.schema.json`); a test
 * fails when they drift from the source.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { KindDefinition } from '../src/core/kind.js';
import { kindDefinitions } from '../src/kinds/registry.js';
import { documentSchema, schemaFileName } from '../src/source/document-schema.js';

/** File name → exact file content, for every kind. */
export function renderSchemas(
  kinds: readonly KindDefinition[] = kindDefinitions(),
): Map<string, string> {
  const out = new Map<string, string>();
  for (const k of kinds) {
    const schema = {
      $comment: 'Generated from src/kinds by `npm run schemas`; do not edit.',
      ...documentSchema(k.kind, k.schema),
    };
    out.set(schemaFileName(k.kind), JSON.stringify(schema, null, 2) + '\n');
  }
  return out;
}

/** The checked-in schemas folder of this repository. */
export const SCHEMAS_DIR = fileURLToPath(new URL('../schemas/', import.meta.url));

export async function writeSchemas(dir: string = SCHEMAS_DIR): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, content] of renderSchemas()) {
    await writeFile(join(dir, name), content);
    written.push(join(dir, name));
  }
  return written;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeSchemas().then(
    (files) => console.log(files.map((f) => `wrote ${f}`).join('\n')),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
