/** What the manifest source hands to the rest of pxr (the types live in core, which consumes them). */
export type { ManifestDoc, SourceIssue, SourceLocation, SourceSnapshot } from '../core/manifest.js';
