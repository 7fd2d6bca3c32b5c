/**
 * Validates parsed manifest documents: the kind's JSON Schema (Ajv 2020, all errors, defaults applied),
 * then the kind's semantic checks, then uniqueness of kind/name across the whole source. Every issue
 * is located at the offending node; a missing property is reported at the object that should hold it.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { KindDefinition } from '../core/kind.js';
import type { ManifestDoc, SourceIssue, SourceLocation } from './types.js';

type SemanticIssue = Omit<SourceIssue, 'file' | 'line' | 'column'>;
import type { FieldPath, ParsedDoc, ParsedFile } from './parse.js';
import { fieldPathString, parseManifestText } from './parse.js';
import { API_VERSION, documentSchema } from './document-schema.js';
import { checkDnsLabel, closest } from './checks.js';
import { annotationIssues } from './annotations.js';
import { asRecord } from '../core/records.js';

export interface ValidationResult {
  /** Valid documents, defaults applied, in file order. */
  docs: ManifestDoc[];
  issues: SourceIssue[];
  /** Files holding at least one issue (sorted). Objects last seen in them must be kept. */
  invalidFiles: string[];
}

/** One document after its own checks, without its syntax tree (cheap to keep between reads). */
export interface CheckedDoc {
  doc: ManifestDoc;
  issues: SourceIssue[];
  /** Where `metadata.name` is (duplicates are reported there). */
  nameAt: SourceLocation;
}

/** One file after its own checks: what can be cached until the file changes. */
export interface CheckedFile {
  file: string;
  /** Parse issues of the file (documents' own issues are on each {@link CheckedDoc}). */
  issues: SourceIssue[];
  docs: CheckedDoc[];
}

/** Compiles every kind's schema once; reuse one instance for every read of the folder. */
export class ManifestValidator {
  readonly kindNames: string[];
  private readonly kinds = new Map<string, { def: KindDefinition; check: ValidateFunction }>();

  constructor(definitions: readonly KindDefinition[]) {
    const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: true, verbose: true });
    for (const def of definitions) {
      this.kinds.set(def.kind, { def, check: ajv.compile(documentSchema(def.kind, def.schema)) });
    }
    this.kindNames = [...this.kinds.keys()];
  }

  parse(file: string, text: string): ParsedFile {
    return parseManifestText(file, text, { kinds: this.kindNames });
  }

  /** Schema and semantic checks of one file's documents (defaults are applied to their specs). */
  checkFile(parsed: ParsedFile, revision?: string): CheckedFile {
    return {
      file: parsed.file,
      issues: parsed.issues,
      docs: parsed.docs.map((d) => this.checkDoc(d, revision)),
    };
  }

  /**
   * Validates the documents of all `files` together (uniqueness spans files). `revisionOf` gives the
   * git revision a file was read at.
   */
  validate(
    files: readonly ParsedFile[],
    revisionOf: (file: string) => string | undefined = () => undefined,
  ): ValidationResult {
    return this.combine(files.map((f) => this.checkFile(f, revisionOf(f.file))));
  }

  /** Joins checked files into one result: duplicates across files, invalid files, valid docs. */
  combine(files: readonly CheckedFile[]): ValidationResult {
    const issues: SourceIssue[] = [];
    const invalid = new Set<string>();
    const candidates: CheckedDoc[] = [];
    for (const f of files) {
      if (f.issues.length > 0) invalid.add(f.file);
      issues.push(...f.issues);
      for (const c of f.docs) {
        if (c.issues.length > 0) invalid.add(f.file);
        issues.push(...c.issues);
        candidates.push(c);
      }
    }

    const byKey = new Map<string, CheckedDoc[]>();
    for (const c of candidates) {
      const key = `${c.doc.kind}/${c.doc.name}`;
      const same = byKey.get(key);
      if (same) same.push(c);
      else byKey.set(key, [c]);
    }
    const docs: ManifestDoc[] = [];
    for (const c of candidates) {
      const same = byKey.get(`${c.doc.kind}/${c.doc.name}`) ?? [];
      const first = same[0];
      if (same.length > 1 && first) {
        // Which copy is meant is unknowable: deliver neither, keep the last good object in force.
        for (const s of same) invalid.add(s.doc.location.file);
        if (c !== first) {
          const at = first.nameAt;
          issues.push({
            ...c.nameAt,
            field: 'metadata.name',
            message: `duplicate ${c.doc.kind}/${c.doc.name}: already defined at ${at.file}:${at.line}:${at.column}`,
            kind: c.doc.kind,
            name: c.doc.name,
          });
        }
        continue;
      }
      if (c.issues.length === 0) docs.push(c.doc);
    }
    return { docs, issues, invalidFiles: [...invalid].sort() };
  }

  private checkDoc(parsed: ParsedDoc, revision: string | undefined): CheckedDoc {
    const entry = this.kinds.get(parsed.kind);
    const who = { kind: parsed.kind, name: parsed.name };
    const raw = parsed.raw;
    const schemaIssues: SourceIssue[] = [];
    if (entry && !entry.check(raw)) {
      for (const e of relevantErrors(entry.check.errors ?? [])) {
        schemaIssues.push({ ...describeError(e, parsed), ...who });
      }
    }
    const metadata = asRecord(raw['metadata']);
    const doc: ManifestDoc = {
      apiVersion: API_VERSION,
      kind: parsed.kind,
      name: parsed.name,
      labels: stringRecord(metadata['labels']),
      annotations: stringRecord(metadata['annotations']),
      spec: asRecord(raw['spec']),
      location: parsed.location,
      ...(revision !== undefined ? { revision } : {}),
    };
    const semantic: SourceIssue[] = semanticIssues(entry?.def, doc).map((s) => ({
      ...parsed.locate(parseFieldPath(s.field)),
      ...who,
      ...s,
    }));
    // A semantic message says more than a schema one (e.g. it suggests a valid name): prefer it.
    const covered = (field: string): boolean =>
      semantic.some((s) => within(field, s.field) || within(s.field, field));
    const annotations = annotationIssues(doc.annotations).map((a) => {
      const path = ['metadata', 'annotations', a.key];
      return {
        ...parsed.locate(path, { key: a.atKey }),
        field: fieldPathString(path),
        ...who,
        message: a.message,
      };
    });
    const issues = [...schemaIssues.filter((i) => !covered(i.field)), ...semantic, ...annotations];
    issues.sort((a, b) => a.line - b.line || a.column - b.column);
    return { doc, issues, nameAt: parsed.locate(['metadata', 'name']) };
  }
}

/** A kind's own checks; if they throw on odd input, that is an issue of the document, not a crash. */
function semanticIssues(def: KindDefinition | undefined, doc: ManifestDoc): SemanticIssue[] {
  try {
    return def?.validate?.(doc) ?? [];
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return [{ field: 'spec', message: `the ${doc.kind} checks failed on this document: ${why}` }];
  }
}

/** Whether `field` is `parent` or lies below it (`spec.vids[2]` is within `spec.vids`). */
function within(field: string, parent: string): boolean {
  return field === parent || field.startsWith(`${parent}.`) || field.startsWith(`${parent}[`);
}

/** Drops the per-branch errors of an `anyOf` that also failed as a whole: one message per field. */
function relevantErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const anyOfPaths = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath);
  return errors.filter(
    (e) =>
      e.keyword === 'anyOf' ||
      !anyOfPaths.some((p) => e.instancePath.startsWith(p) && e.schemaPath.includes('/anyOf/')),
  );
}

function describeError(
  e: ErrorObject,
  parsed: ParsedDoc,
): SourceLocation & { field: string; message: string } {
  const path = pointerToPath(e.instancePath, parsed.raw);
  const value = valueAt(parsed.raw, path);
  const params = e.params as Record<string, unknown>;
  const located = (
    p: FieldPath,
    message: string,
    key = false,
  ): ReturnType<typeof describeError> => ({
    ...parsed.locate(p, { key }),
    field: fieldPathString(p),
    message,
  });
  switch (e.keyword) {
    case 'required': {
      const prop = String(params['missingProperty']);
      return located([...path, prop], `missing required field '${prop}'`);
    }
    case 'additionalProperties': {
      const prop = String(params['additionalProperty']);
      const known = Object.keys(asRecord(asRecord(e.parentSchema)['properties']));
      const hint = closest(prop, known);
      const message =
        `unknown field '${prop}'` +
        (hint
          ? `; did you mean '${hint}'?`
          : known.length > 0
            ? ` (known: ${known.join(', ')})`
            : '');
      return located([...path, prop], message, true);
    }
    case 'pattern':
      if (fieldPathString(path) === 'metadata.name' && typeof value === 'string') {
        return located(path, checkDnsLabel(value) ?? `must match ${String(params['pattern'])}`);
      }
      return located(path, `'${String(value)}' must match ${String(params['pattern'])}`);
    case 'type':
      return located(path, `must be ${article(String(params['type']))} (got ${show(value)})`);
    case 'anyOf':
      return located(path, `invalid value ${show(value)}: ${e.parentSchema ? describe(e) : ''}`);
    default:
      return located(path, `${e.message ?? 'is invalid'} (got ${show(value)})`);
  }
}

function describe(e: ErrorObject): string {
  const d = asRecord(e.parentSchema)['description'];
  return typeof d === 'string' ? d : 'matches no allowed form';
}

function article(type: string): string {
  return type === 'array' || type === 'object' || type === 'integer' ? `an ${type}` : `a ${type}`;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

/** `/spec/ports/1` → `['spec', 'ports', 1]` (numbers where the data is an array). */
function pointerToPath(pointer: string, data: unknown): (string | number)[] {
  const out: (string | number)[] = [];
  let cur: unknown = data;
  for (const part of pointer.split('/').slice(1)) {
    const seg = part.replace(/~1/g, '/').replace(/~0/g, '~');
    const key: string | number = Array.isArray(cur) ? Number(seg) : seg;
    out.push(key);
    cur =
      cur === null || typeof cur !== 'object' ? undefined : (cur as Record<string, unknown>)[key];
  }
  return out;
}

/** `spec.ports[1]` → `['spec', 'ports', 1]`. */
export function parseFieldPath(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[1] !== undefined) out.push(m[1]);
  }
  return out;
}

function valueAt(data: unknown, path: FieldPath): unknown {
  let cur = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

function stringRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(asRecord(v))) if (typeof x === 'string') out[k] = x;
  return out;
}
