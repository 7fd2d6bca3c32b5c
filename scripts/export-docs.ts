/**
 * Writes the per-kind field tables of README.md from the kinds' schemas (`npm run docs`, also run by
 * `npm run schemas`): the schema's `description`s are the one source, the README shows them between
 * `<!-- fields:<Kind> -->` and `<!-- /fields:<Kind> -->`. A test fails when the README is stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { KindDefinition } from '../src/core/kind.js';
import { asRecord, isRecord } from '../src/core/records.js';
import { kindDefinitions } from '../src/kinds/registry.js';

interface Row {
  field: string;
  type: string;
  default: string;
  meaning: string;
}

/** Markdown code span; a table cell cannot hold a raw `|`. */
const code = (s: string): string => `\`${s}\``;
const cell = (s: string): string => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

function typeOf(node: Record<string, unknown>): string {
  if (Array.isArray(node['enum'])) return node['enum'].map((v) => code(String(v))).join(' or ');
  if (Array.isArray(node['anyOf'])) {
    return [...new Set(node['anyOf'].map((alt) => typeOf(asRecord(alt))))].join(' or ');
  }
  const t = node['type'];
  if (t === 'array') {
    const item = typeOf(asRecord(node['items']));
    if (item === '') return 'list';
    return item.includes(' or ') ? `list of (${item})` : `list of ${item}`;
  }
  return typeof t === 'string' ? t : '';
}

function defaultOf(node: Record<string, unknown>, required: boolean): string {
  if (required) return 'required';
  if (!('default' in node)) return '';
  const d = node['default'];
  // An empty section as default only says "optional": its fields carry the real defaults.
  if (isRecord(d) && Object.keys(d).length === 0) return '';
  if (typeof d === 'string') return code(d);
  if (Array.isArray(d)) return code(`[${d.map((x) => String(x)).join(', ')}]`);
  return code(JSON.stringify(d));
}

/** One row per field, nested objects as `a.b` and the fields of list items as `a[].b`. */
function rows(schema: Record<string, unknown>, prefix = ''): Row[] {
  const out: Row[] = [];
  const required = new Set(Array.isArray(schema['required']) ? schema['required'] : []);
  for (const [name, raw] of Object.entries(asRecord(schema['properties']))) {
    const node = asRecord(raw);
    const field = `${prefix}${name}`;
    out.push({
      field: code(field),
      type: typeOf(node),
      default: defaultOf(node, required.has(name)),
      meaning: typeof node['description'] === 'string' ? node['description'] : '',
    });
    if (isRecord(node['properties'])) out.push(...rows(node, `${field}.`));
    const items = asRecord(node['items']);
    if (isRecord(items['properties'])) out.push(...rows(items, `${field}[].`));
  }
  return out;
}

/** The Markdown table of one kind's spec fields (unaligned: Prettier aligns the README). */
export function fieldTable(def: KindDefinition): string {
  const lines = ['| field | type | default | meaning |', '| --- | --- | --- | --- |'];
  for (const r of rows(def.schema)) {
    lines.push(`| ${[r.field, r.type, r.default, r.meaning].map(cell).join(' | ')} |`);
  }
  return lines.join('\n');
}

export const beginMarker = (kind: string): string =>
  `<!-- fields:${kind} (generated from the schema by npm run docs; do not edit) -->`;
export const endMarker = (kind: string): string => `<!-- /fields:${kind} -->`;

/**
 * `readme` with every kind's table replaced by the generated one and then formatted by Prettier,
 * so the file also passes `prettier --check`. Throws when a kind's markers are missing.
 */
export async function renderReadme(
  readme: string,
  kinds: readonly KindDefinition[] = kindDefinitions(),
): Promise<string> {
  let text = readme;
  for (const def of kinds) {
    const begin = beginMarker(def.kind);
    const end = endMarker(def.kind);
    const i = text.indexOf(begin);
    const j = text.indexOf(end);
    if (i < 0 || j < i) throw new Error(`README.md: missing '${begin}' ... '${end}'`);
    text = `${text.slice(0, i + begin.length)}\n\n${fieldTable(def)}\n\n${text.slice(j)}`;
  }
  // Prettier is a development tool: loaded only when the README is rendered.
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(README_PATH)) ?? {};
  return prettier.format(text, { ...options, parser: 'markdown' });
}

/** The README of this repository. */
export const README_PATH = fileURLToPath(new URL('../README.md', import.meta.url));

export async function writeReadme(path: string = README_PATH): Promise<boolean> {
  const before = await readFile(path, 'utf8');
  const after = await renderReadme(before);
  if (after !== before) await writeFile(path, after);
  return after !== before;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeReadme().then(
    (changed) => console.log(changed ? `wrote ${README_PATH}` : `${README_PATH} is up to date`),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
