#!/usr/bin/env node
// In a checkout (src/ present) pxr runs its TypeScript sources through tsx, so what you run is what
// you read; the container image has only the compiled dist/ and runs that.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'cli', 'main.ts');
let entry;
if (existsSync(source) && process.env.PXR_FROM_DIST !== '1') {
  const { register } = await import('tsx/esm/api');
  register();
  entry = source;
} else {
  entry = join(root, 'dist', 'cli', 'main.js');
}
const { runCli } = await import(pathToFileURL(entry).href);
runCli();
