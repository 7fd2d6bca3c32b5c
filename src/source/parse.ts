/**
 * Parses one manifest file (YAML, possibly multi-document, or JSON — the `yaml` package reads both)
 * into raw documents that know where each of their fields is, so every later issue can point at
 * `file:line:column`. Pure: text in, documents and issues out.
 */
import { Composer, LineCounter, Parser, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { CST, Document, Node as YamlNode } from 'yaml';
import type { SourceIssue, SourceLocation } from './types.js';
import { API_VERSION } from './document-schema.js';
import { closest } from './checks.js';

export type FieldPath = readonly (string | number)[];

/**
 * Deepest nesting of mappings and sequences a manifest may use. The YAML composer recurses per level:
 * thousands of levels overflow the stack at a point that depends on the caller's stack, so the
 * error's location (and with it the event) differed on every read. Real manifests nest < 10 deep.
 */
export const MAX_NESTING_DEPTH = 64;

/** A document that passed the envelope checks (apiVersion, kind, metadata.name). */
export interface ParsedDoc {
  /** 0-based position of the document in its file. */
  index: number;
  kind: string;
  name: string;
  /** The plain data of the document (mutable: validation applies defaults to it). */
  raw: Record<string, unknown>;
  /** Where the document starts. */
  location: SourceLocation;
  /**
   * Location of the node at `path`, or of its deepest existing ancestor (a missing property is
   * reported at the object that should hold it). With `key`, the location of the mapping key instead
   * of its value (for unknown properties).
   */
  locate(path: FieldPath, opts?: { key?: boolean }): SourceLocation;
}

export interface ParsedFile {
  file: string;
  docs: ParsedDoc[];
  issues: SourceIssue[];
  /**
   * The file is not valid YAML/JSON. No document of it is delivered: a syntax error can swallow or
   * shift documents, so the file's last good state must stay in force as a whole.
   */
  unparsable: boolean;
}

export interface ParseOptions {
  /** Kinds pxr knows; any other kind is an issue. */
  kinds: readonly string[];
}

/** Renders a field path as `spec.ports[1]`. */
export function fieldPathString(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

export function parseManifestText(file: string, text: string, opts: ParseOptions): ParsedFile {
  const lineCounter = new LineCounter();
  const at = (offset: number): SourceLocation => {
    const p = lineCounter.linePos(offset);
    return { file, line: p.line, column: p.col };
  };
  const result: ParsedFile = { file, docs: [], issues: [], unparsable: false };
  let documents: Document.Parsed[];
  try {
    // The CST parser is iterative, so the nesting is measured before the recursive composer runs.
    const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(text));
    const deep = firstTooDeep(tokens);
    if (deep !== undefined) {
      result.unparsable = true;
      result.issues.push({
        ...at(deep),
        field: '',
        message: `nested more than ${MAX_NESTING_DEPTH} levels deep (mappings and lists)`,
      });
      return result;
    }
    documents = Array.from(new Composer({}).compose(tokens));
  } catch (err) {
    // The composer reports problems on the documents; a throw here is a bug in the input layer.
    result.unparsable = true;
    result.issues.push({ ...at(0), field: '', message: `cannot parse: ${String(err)}` });
    return result;
  }
  for (const doc of documents) {
    for (const e of doc.errors) {
      result.unparsable = true;
      const pos = lineCounter.linePos(e.pos[0]);
      result.issues.push({
        file,
        line: pos.line,
        column: pos.col,
        field: '',
        message: `${file.endsWith('.json') ? 'JSON' : 'YAML'} syntax error: ${firstLine(e.message)}`,
      });
    }
  }
  if (!result.unparsable && file.endsWith('.json')) checkStrictJson(text, at, result);
  if (result.unparsable) return result;

  documents.forEach((doc, index) => {
    const root = doc.contents;
    if (root === null || (isScalar(root) && root.value === null)) return; // empty document
    const start = at(root.range?.[0] ?? 0);
    const issue = (loc: SourceLocation, field: string, message: string, extra = {}): void => {
      result.issues.push({ ...loc, field, message, ...extra });
    };
    if (!isMap(root)) {
      issue(start, '', 'a manifest document must be a mapping (apiVersion, kind, metadata, spec)');
      return;
    }
    let raw: unknown;
    try {
      raw = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      // e.g. an alias bomb: the file cannot be trusted as a whole, like a syntax error.
      result.unparsable = true;
      issue(start, '', `cannot load document: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      issue(start, '', 'a manifest document must be a mapping (apiVersion, kind, metadata, spec)');
      return;
    }
    const data = raw as Record<string, unknown>;
    const locate = (path: FieldPath, o?: { key?: boolean }): SourceLocation =>
      at(offsetOf(root, path, o?.key === true));

    const kind = data['kind'];
    const metadata = data['metadata'];
    const nameValue =
      typeof metadata === 'object' && metadata !== null
        ? (metadata as Record<string, unknown>)['name']
        : undefined;
    const name = typeof nameValue === 'string' && nameValue !== '' ? nameValue : undefined;
    const who = {
      ...(typeof kind === 'string' ? { kind } : {}),
      ...(name !== undefined ? { name } : {}),
    };
    let ok = true;
    const apiVersion = data['apiVersion'];
    if (apiVersion === undefined) {
      issue(start, 'apiVersion', `missing apiVersion (expected '${API_VERSION}')`, who);
      ok = false;
    } else if (apiVersion !== API_VERSION) {
      issue(
        locate(['apiVersion']),
        'apiVersion',
        `unsupported apiVersion ${quote(apiVersion)} (expected '${API_VERSION}')`,
        who,
      );
      ok = false;
    }
    if (kind === undefined) {
      issue(start, 'kind', `missing kind (one of ${opts.kinds.join(', ')})`, who);
      ok = false;
    } else if (typeof kind !== 'string' || !opts.kinds.includes(kind)) {
      const hint = typeof kind === 'string' ? closest(kind, opts.kinds) : undefined;
      issue(
        locate(['kind']),
        'kind',
        `unknown kind ${quote(kind)} (one of ${opts.kinds.join(', ')})` +
          (hint ? `; did you mean '${hint}'?` : ''),
        who,
      );
      ok = false;
    }
    if (name === undefined) {
      issue(
        locate(['metadata', 'name']),
        'metadata.name',
        nameValue === undefined
          ? 'missing metadata.name'
          : 'metadata.name must be a non-empty string',
        who,
      );
      ok = false;
    }
    // A number JavaScript cannot hold exactly would be silently rounded (2^53+1 → 2^53).
    for (const bad of inexactNumbers(root, [])) {
      const source = text.slice(bad.node.range?.[0] ?? 0, bad.node.range?.[1] ?? 0).trim();
      const value = bad.node.value as number;
      issue(
        at(bad.node.range?.[0] ?? 0),
        fieldPathString(bad.path),
        Number.isFinite(value)
          ? `number ${source} is outside the exact range (at most ±${Number.MAX_SAFE_INTEGER}); it would be read as ${value}`
          : `${source} is not a finite number`,
        who,
      );
      ok = false;
    }
    if (!ok || typeof kind !== 'string' || name === undefined) return;
    result.docs.push({ index, kind, name, raw: data, location: start, locate });
  });
  if (result.unparsable) result.docs = [];
  return result;
}

/** Offset of the first collection nested deeper than {@link MAX_NESTING_DEPTH}, if any. */
function firstTooDeep(tokens: readonly CST.Token[]): number | undefined {
  let first: number | undefined;
  const stack: [CST.Token, number][] = tokens.map((t) => [t, 0]);
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [t, depth] = top;
    if (t.type === 'document') {
      if (t.value) stack.push([t.value, depth]);
    } else if (t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection') {
      if (depth >= MAX_NESTING_DEPTH) {
        first = first === undefined ? t.offset : Math.min(first, t.offset);
        continue;
      }
      for (const item of t.items as { key?: CST.Token | null; value?: CST.Token }[]) {
        if (item.key) stack.push([item.key, depth + 1]);
        if (item.value) stack.push([item.value, depth + 1]);
      }
    }
  }
  return first;
}

/** Numeric scalars (keys too) that are not exactly representable: unsafe integers, ±inf, NaN. */
function inexactNumbers(
  node: unknown,
  path: (string | number)[],
): { node: YamlNode & { value: unknown }; path: (string | number)[] }[] {
  const bad = (n: unknown): boolean =>
    isScalar(n) &&
    typeof n.value === 'number' &&
    !(Number.isFinite(n.value) && Math.abs(n.value) <= Number.MAX_SAFE_INTEGER);
  const out: ReturnType<typeof inexactNumbers> = [];
  if (isMap(node)) {
    for (const p of node.items) {
      const key = isScalar(p.key) ? String(p.key.value) : '?';
      if (bad(p.key)) out.push({ node: p.key as YamlNode & { value: unknown }, path });
      out.push(...inexactNumbers(p.value, [...path, key]));
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => out.push(...inexactNumbers(item, [...path, i])));
  } else if (bad(node)) {
    out.push({ node: node as YamlNode & { value: unknown }, path });
  }
  return out;
}

/** Quotes a value for a message: strings in single quotes, anything else as JSON. */
export function quote(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
}

/**
 * YAML accepts what JSON forbids (trailing commas, comments, single quotes): a `.json` file must also
 * be strict JSON, as every other tool reading it will expect.
 */
function checkStrictJson(
  text: string,
  at: (offset: number) => SourceLocation,
  result: ParsedFile,
): void {
  try {
    JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const pos = /position (\d+)/.exec(message)?.[1];
    result.unparsable = true;
    result.issues.push({
      ...at(pos === undefined ? 0 : Number(pos)),
      field: '',
      message: `JSON syntax error: ${message.replace(/ in JSON at position \d+.*$/, '')}`,
    });
  }
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

/** Offset of the node at `path` (or of its deepest existing ancestor) in the source text. */
function offsetOf(root: YamlNode, path: FieldPath, wantKey: boolean): number {
  let node: YamlNode = root;
  let keyOffset: number | undefined;
  for (const seg of path) {
    let next: YamlNode | undefined;
    keyOffset = undefined;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
      );
      if (pair) {
        keyOffset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
        const v = pair.value;
        // `key:` with no value has no useful range: point at the key instead.
        next =
          v && (v as YamlNode).range && !(isScalar(v) && v.value === null)
            ? (v as YamlNode)
            : undefined;
        if (!next) return keyOffset ?? node.range?.[0] ?? 0;
      }
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item && (item as YamlNode).range) next = item as YamlNode;
    }
    if (!next) return node.range?.[0] ?? 0;
    node = next;
  }
  if (wantKey && keyOffset !== undefined) return keyOffset;
  return node.range?.[0] ?? 0;
}
