/**
 * What the manifest source hands to the rest of pxr: located documents, located issues and whole
 * snapshots. Defined in core (the runtime consumes them); `src/source` produces them.
 */

/** A location in a manifest file; lines and columns are 1-based. */
export interface SourceLocation {
  /** Path relative to the manifests root, with `/` separators. */
  file: string;
  line: number;
  column: number;
}

/** One validation or parse problem, always located. */
export interface SourceIssue extends SourceLocation {
  /** JSON pointer-ish path of the offending field, e.g. `spec.ports[1]`; empty for parse errors. */
  field: string;
  message: string;
  kind?: string;
  name?: string;
}

/**
 * One valid document, with defaults applied to `spec`. Documents of unchanged files are the same
 * objects from one snapshot to the next (the reader caches parsed files): treat them as read-only.
 */
export interface ManifestDoc {
  apiVersion: string;
  kind: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: Record<string, unknown>;
  location: SourceLocation;
  /** Git revision of the checkout the document was read from (git-sync), when known. */
  revision?: string;
}

/**
 * The full desired state as read from the folder at one moment. The source always delivers whole
 * snapshots (level-triggered): the consumer diffs them against the store.
 */
export interface SourceSnapshot {
  docs: ManifestDoc[];
  issues: SourceIssue[];
  /**
   * Files that exist but could not be read or validated completely. Objects last seen in these files
   * must be kept (never pruned) and get a `SourceInvalid` condition. A partly invalid file still
   * delivers its valid documents in `docs`; an unparsable or unreadable file delivers none. Both
   * files holding a duplicate kind/name are listed, and neither copy is delivered.
   */
  invalidFiles: string[];
  /** Number of manifest files seen (for the mass-deletion guard). */
  fileCount: number;
  revision?: string;
  /** Sim-clock ms when the snapshot was read. */
  readAt: number;
}
