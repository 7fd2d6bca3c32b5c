/** Temp folders of manifests for the source tests (and the shared `waitFor`). */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export function bridgeYaml(name: string, iface = 'vmbr1', node = 'pve'): string {
  return `apiVersion: pxr/v1alpha1\nkind: Bridge\nmetadata:\n  name: ${name}\nspec:\n  node: ${node}\n  iface: ${iface}\n`;
}

export function tempDir(prefix = 'pxr-source-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function write(root: string, rel: string, text: string): void {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
}

/** The one polling helper of the tests (kept importable from here for the source tests). */
export { waitFor } from '../helpers/wait.js';
