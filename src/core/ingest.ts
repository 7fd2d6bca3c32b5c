/**
 * Level-triggered ingest: diffs a whole SourceSnapshot against the store in one transaction.
 * New documents are inserted, changed ones updated (generation bumped only on a spec change),
 * unchanged ones write nothing. Objects whose documents vanished are pruned through their finalizer,
 * but guards refuse mass pruning (an empty source, or more than `maxPruneRatio` of the store at
 * once): a git checkout gone wrong must not destroy the cluster.
 */
import type { ObjectRef, StoredObject } from './kind.js';
import type { ManifestDoc, SourceIssue, SourceSnapshot } from './manifest.js';
import type { StorePort } from './store-port.js';
import { pruneRefusedTransition } from './alert-transitions.js';
import type { ObjectInput } from './store-port.js';

export const FINALIZER = 'pxr/cleanup';
export const PRUNE_ANNOTATION = 'pxr/prune';
/** Events about the source itself (not about one object) are recorded on this pseudo-object. */
export const SOURCE_REF: ObjectRef = { kind: 'Source', name: 'manifests' };
const PRUNE_REFUSED_META = 'ingest.pruneRefused';

export interface IngestOptions {
  /** Largest fraction of the store's objects one snapshot may prune. @default 0.5 */
  maxPruneRatio?: number;
}

export interface ApplyResult {
  /** Objects to reconcile: inserted, spec/labels/annotations changed, deletion requested or cancelled. */
  changed: ObjectRef[];
  /** Versions before this snapshot of updated objects (a changed group key needs the old group too). */
  previous: StoredObject[];
  inserted: number;
  updated: number;
  deletionRequested: number;
  deletionCancelled: number;
  /** Removed from the store without finalizing (`pxr/prune: disabled`). */
  orphaned: ObjectRef[];
  /** Objects kept because their file is invalid, now flagged SourceInvalid. */
  keptInvalid: number;
  /** Why pruning was refused, when it was. */
  pruneRefused?: string;
}

export function objectKey(ref: ObjectRef): string {
  return `${ref.kind}/${ref.name}`;
}

/** `file:line:column field: message`, as `pxr validate` prints an issue. */
function describeIssue(i: SourceIssue): string {
  const at = [i.file, i.line, i.column].filter((x) => x !== undefined && x !== 0).join(':');
  return `${at}${i.field ? ` ${i.field}` : ''}: ${i.message}`;
}

function toInput(doc: ManifestDoc, snapshot: SourceSnapshot): ObjectInput {
  const input: ObjectInput = {
    kind: doc.kind,
    name: doc.name,
    spec: doc.spec,
    labels: doc.labels,
    annotations: doc.annotations,
    sourceFile: doc.location.file,
    finalizers: [FINALIZER],
  };
  const revision = doc.revision ?? snapshot.revision;
  if (revision !== undefined) input.revision = revision;
  return input;
}

/** Why pruning `candidates` of `total` objects must be refused, or undefined when it may proceed. */
export function pruneRefusal(
  snapshot: Pick<SourceSnapshot, 'fileCount' | 'docs'>,
  candidates: number,
  total: number,
  maxPruneRatio: number,
): string | undefined {
  if (candidates === 0) return undefined;
  if (snapshot.fileCount === 0 || snapshot.docs.length === 0) {
    return `source is empty (${snapshot.fileCount} files, ${snapshot.docs.length} documents) while the store holds ${total} objects; pruning nothing`;
  }
  if (candidates > maxPruneRatio * total) {
    return `snapshot would prune ${candidates} of ${total} objects (more than ${Math.round(maxPruneRatio * 100)}%); pruning nothing`;
  }
  return undefined;
}

export function applySnapshot(
  store: StorePort,
  snapshot: SourceSnapshot,
  opts: IngestOptions = {},
): ApplyResult {
  const maxPruneRatio = opts.maxPruneRatio ?? 0.5;
  const now = store.clock.now();
  const res: ApplyResult = {
    changed: [],
    previous: [],
    inserted: 0,
    updated: 0,
    deletionRequested: 0,
    deletionCancelled: 0,
    orphaned: [],
    keptInvalid: 0,
  };
  store.transaction(() => {
    const stored = store.objects.list();
    const byKey = new Map(stored.map((o) => [objectKey(o), o]));
    const seen = new Set<string>();
    for (const doc of snapshot.docs) {
      const key = objectKey(doc);
      if (seen.has(key)) continue; // the source reports duplicates as issues; first one wins
      seen.add(key);
      ingestDoc(store, toInput(doc, snapshot), byKey.get(key), now, res);
    }
    const invalidFiles = new Set(snapshot.invalidFiles);
    // Objects an invalid document still names (moved into another file with a mistake): kept too.
    const namedInvalid = new Map<string, SourceIssue>();
    const fileIssue = new Map<string, SourceIssue>();
    for (const i of snapshot.issues) {
      if (i.kind && i.name) namedInvalid.set(objectKey({ kind: i.kind, name: i.name }), i);
      if (!fileIssue.has(i.file)) fileIssue.set(i.file, i);
    }
    const candidates: StoredObject[] = [];
    for (const o of stored) {
      if (seen.has(objectKey(o)) || o.deletionRequested) continue;
      const named = namedInvalid.get(objectKey(o));
      const invalidFile = invalidFiles.has(o.sourceFile) ? o.sourceFile : named?.file;
      if (invalidFile !== undefined) {
        // The error itself, located: the issue naming this object, else the file's first one.
        const issue = named?.file === invalidFile ? named : fileIssue.get(invalidFile);
        const msg = `${issue ? describeIssue(issue) : `${invalidFile} is invalid`}; keeping the last valid spec`;
        if (store.status.setSourceInvalid(o, true, msg, now)) res.keptInvalid++;
        continue;
      }
      candidates.push(o);
    }
    const refusal = pruneRefusal(snapshot, candidates.length, stored.length, maxPruneRatio);
    if (refusal !== undefined) {
      res.pruneRefused = refusal;
      // One event per refusal episode, not one count bump per snapshot.
      if (store.meta.set(PRUNE_REFUSED_META, refusal)) {
        store.events.record(
          SOURCE_REF,
          { type: 'Warning', reason: 'PruneRefused', message: refusal },
          now,
        );
        pruneRefusedTransition(store, refusal, now);
      }
      return;
    }
    store.meta.delete(PRUNE_REFUSED_META);
    for (const o of candidates) prune(store, o, now, res);
  });
  return res;
}

function ingestDoc(
  store: StorePort,
  input: ObjectInput,
  cur: StoredObject | undefined,
  now: number,
  res: ApplyResult,
): void {
  const ref: ObjectRef = { kind: input.kind, name: input.name };
  if (!cur) {
    store.objects.insert(input, now);
    res.inserted++;
    res.changed.push(ref);
    return;
  }
  let changed = false;
  const upd = store.objects.updateFromSource(input, now);
  if (upd) res.updated++;
  if (upd && (upd.specChanged || upd.metaChanged)) changed = true;
  if (cur.deletionRequested && store.objects.setDeletionRequested(ref, false, now)) {
    res.deletionCancelled++;
    changed = true;
    store.events.record(
      ref,
      {
        type: 'Normal',
        reason: 'DeletionCancelled',
        message: `document reappeared in ${input.sourceFile}`,
      },
      now,
    );
  }
  store.status.setSourceInvalid(ref, false, '', now);
  if (changed) {
    res.changed.push(ref);
    res.previous.push(cur);
  }
}

function prune(store: StorePort, o: StoredObject, now: number, res: ApplyResult): void {
  const ref: ObjectRef = { kind: o.kind, name: o.name };
  if (o.annotations[PRUNE_ANNOTATION] === 'disabled') {
    store.removeObject(ref);
    store.inventory.removeByOwner(o.uid);
    store.events.record(
      ref,
      {
        type: 'Normal',
        reason: 'Orphaned',
        message: `document removed from ${o.sourceFile}; ${PRUNE_ANNOTATION}: disabled, so it is left in place and no longer managed`,
      },
      now,
    );
    res.orphaned.push(ref);
    return;
  }
  store.objects.setDeletionRequested(ref, true, now);
  store.events.record(
    ref,
    {
      type: 'Normal',
      reason: 'DeletionRequested',
      message: `document removed from ${o.sourceFile}`,
    },
    now,
  );
  res.deletionRequested++;
  res.changed.push(ref);
}
