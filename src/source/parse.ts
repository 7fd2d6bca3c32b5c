/**
 * Parses one manifest file (YAML, possibly multi-document, or JSON — the `yaml` package reads both)
 * into raw documents that know where each of their fields is, so every later issue can point at
 * `file:line:column`. Pure: text in, documents and issues out.
 */
import { LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { SourceIssue, SourceLocation } from './types.js';
import { API_VERSION } from './document-schema.js';
import { closest } from './checks.js';

export type FieldPath = readonly (string | number)[];

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
    documents = parseAllDocuments(text, { lineCounter, prettyErrors: true }) as Document.Parsed[];
  } catch (err) {
    // parseAllDocuments reports problems on the documents; a throw here is a bug in the input layer.
    result.unparsable = true;
    result.issues.push({ ...at(0), field: '', message: `cannot parse: ${String(err)}` });
    return result;
  }
  for (const doc of documents) {
    for (const e of doc.errors) {
      result.unparsable = true;
      const pos = e.linePos?.[0];
      result.issues.push({
        file,
        line: pos?.line ?? 1,
        column: pos?.col ?? 1,
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
    if (!ok || typeof kind !== 'string' || name === undefined) return;
    result.docs.push({ index, kind, name, raw: data, location: start, locate });
  });
  if (result.unparsable) result.docs = [];
  return result;
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
