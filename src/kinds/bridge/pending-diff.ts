/**
 * Which interfaces a node's staged network changes touch, read from the `changes` attribute of
 * `GET /nodes/{node}/network` (`diff -b -N -u interfaces interfaces.new`, FACTS §4) — the API has no
 * other view of the active configuration. Pure.
 *
 * A changed line belongs to the stanza it sits in: stanzas start with `auto X` / `iface X ...` and
 * end at a blank line. Each side of the diff is tracked separately (a removed stanza and an added one
 * can interleave). A hunk starting in the middle of a stanza does not show that stanza's name (3
 * lines of context only, e.g. a changed comment at the end of a long bridge stanza): such a hunk
 * yields a `segment` — the stanza's lines as staged — for the caller to match against the pending
 * view. Lines that cannot be placed at all are `unattributed`: callers must then assume the worst
 * (someone else's change) rather than guess.
 */

export interface StagedIfaces {
  /** Interfaces with at least one changed line. */
  ifaces: Set<string>;
  /** Changed non-blank lines under a stanza keyword pxr does not know (`mapping`...). */
  unattributed: number;
  /** Hunks starting inside a stanza whose name the diff does not show (one per hunk). */
  segments: StanzaSegment[];
  /** Changed non-blank lines outside any stanza (`source` directives, file comments). */
  topLevel: number;
}

/** Part of one stanza as staged: its lines in `interfaces.new` shown by the hunk. */
export interface StanzaSegment {
  /** Context and added lines (without the diff tag), in order. */
  pendingLines: string[];
  /** Changed non-blank lines (either side) of this stanza in the hunk. */
  changed: number;
}

/** Under an unknown top-level keyword: nothing after it can be placed. */
const OPAQUE = Symbol('opaque');

/**
 * A stanza name; `null`: between stanzas (top level); `undefined`: the stanza the hunk started in
 * (name not shown); OPAQUE: see above.
 */
type Cursor = string | null | undefined | typeof OPAQUE;

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;
const IFACE = /^iface\s+(\S+)/;
const AUTO = /^(?:auto|allow-[\w-]+)\s+(\S+)/;

/** What a line does to the stanza cursor: enter a stanza, leave to the top level, or neither. */
function cursorAfter(text: string, cur: Cursor): Cursor {
  if (text.trim() === '') return null;
  const m = IFACE.exec(text) ?? AUTO.exec(text);
  if (m) return m[1];
  if (/^[\s#]/.test(text)) return cur; // option or comment line: stays in the stanza
  if (/^source(?:-directory)?\s/.test(text)) return null;
  return OPAQUE; // an unknown top-level keyword (`mapping`...): do not guess what follows
}

export function stagedIfaces(changes: string): StagedIfaces {
  const out: StagedIfaces = { ifaces: new Set(), unattributed: 0, topLevel: 0, segments: [] };
  let seg: StanzaSegment | undefined;
  let inHunk = false;
  let oldCur: Cursor;
  let newCur: Cursor;
  for (const line of changes.split('\n')) {
    const hunk = HUNK.exec(line);
    if (hunk) {
      inHunk = true;
      // A hunk starting on the first line starts at the top level; otherwise mid-file, unknown.
      oldCur = Number(hunk[1]) <= 1 ? null : undefined;
      newCur = Number(hunk[2]) <= 1 ? null : undefined;
      seg = { pendingLines: [], changed: 0 };
      out.segments.push(seg);
      continue;
    }
    if (!inHunk || line === '') continue;
    const tag = line[0];
    const text = line.slice(1);
    if (tag === '\\') continue; // "\ No newline at end of file"
    if (tag !== ' ' && tag !== '-' && tag !== '+') continue;
    if (tag !== '-') {
      const next = cursorAfter(text, newCur);
      if (next === undefined) seg?.pendingLines.push(text);
    }
    if (tag === ' ') {
      oldCur = cursorAfter(text, oldCur);
      newCur = cursorAfter(text, newCur);
      continue;
    }
    const after = cursorAfter(text, tag === '-' ? oldCur : newCur);
    if (tag === '-') oldCur = after;
    else newCur = after;
    if (text.trim() === '') continue;
    const auto = /^(?:auto|allow-[\w-]+)\s+(.+)$/.exec(text);
    if (auto) for (const name of auto[1]!.trim().split(/\s+/)) out.ifaces.add(name);
    else if (typeof after === 'string') out.ifaces.add(after);
    else if (after === null) out.topLevel++;
    else if (after === undefined && seg) seg.changed++;
    else out.unattributed++;
  }
  out.segments = out.segments.filter((x) => x.changed > 0);
  return out;
}
