/**
 * `diff -b -N -u old new` as GNU diffutils prints it: Proxmox returns that output verbatim as the
 * `changes` of the network list. Small inputs only (an interfaces file), so a quadratic LCS is fine.
 */

export interface DiffSide {
  /** Path printed in the `---`/`+++` header. */
  label: string;
  text: string;
  /** Modification time (ms since the epoch) printed after the label, in UTC. */
  mtimeMs?: number | undefined;
}

export interface DiffOptions {
  /** `-b`: runs of whitespace compare equal, trailing whitespace is ignored. */
  ignoreSpaceChange?: boolean;
  /** Lines of context (`-u` = 3). */
  context?: number;
}

type Op = { kind: ' ' | '-' | '+'; line: string };

/** Returns the unified diff, or undefined when the texts do not differ (like Proxmox's `changes`). */
export function unifiedDiff(a: DiffSide, b: DiffSide, opts: DiffOptions = {}): string | undefined {
  const context = opts.context ?? 3;
  const key = opts.ignoreSpaceChange
    ? (l: string): string => l.replace(/\s+/g, ' ').replace(/ $/, '')
    : (l: string): string => l;
  const al = splitLines(a.text);
  const bl = splitLines(b.text);
  const ops = editScript(al, bl, key);
  if (!ops.some((o) => o.kind !== ' ')) return undefined;

  let out = `--- ${header(a)}\n+++ ${header(b)}\n`;
  for (const [from, to] of hunkRanges(ops, context)) {
    let aLine = 0;
    let bLine = 0;
    for (let i = 0; i < from; i++) {
      if (ops[i]?.kind !== '+') aLine++;
      if (ops[i]?.kind !== '-') bLine++;
    }
    const slice = ops.slice(from, to);
    const aCount = slice.filter((o) => o.kind !== '+').length;
    const bCount = slice.filter((o) => o.kind !== '-').length;
    out += `@@ -${range(aLine, aCount)} +${range(bLine, bCount)} @@\n`;
    for (const o of slice) out += `${o.kind}${o.line}\n`;
  }
  return out;
}

/** Lines without their terminators; a missing final newline is marked the way diff marks it. */
function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else lines[lines.length - 1] += '\n\\ No newline at end of file';
  return lines;
}

function editScript(a: string[], b: string[], key: (l: string) => string): Op[] {
  const ak = a.map(key);
  const bk = b.map(key);
  const n = a.length;
  const m = b.length;
  // lcs[i * (m + 1) + j] = length of the LCS of a[i..] and b[j..]
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] =
        ak[i] === bk[j]
          ? (lcs[(i + 1) * (m + 1) + j + 1] ?? 0) + 1
          : Math.max(lcs[(i + 1) * (m + 1) + j] ?? 0, lcs[i * (m + 1) + j + 1] ?? 0);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && ak[i] === bk[j]) {
      ops.push({ kind: ' ', line: a[i] ?? '' }); // diff prints context from the old file
      i++;
      j++;
    } else if (
      j >= m ||
      (i < n && (lcs[(i + 1) * (m + 1) + j] ?? 0) >= (lcs[i * (m + 1) + j + 1] ?? 0))
    ) {
      ops.push({ kind: '-', line: a[i] ?? '' });
      i++;
    } else {
      ops.push({ kind: '+', line: b[j] ?? '' });
      j++;
    }
  }
  return ops;
}

/** [from, to) op ranges of the hunks: changes closer than 2*context lines share a hunk. */
function hunkRanges(ops: Op[], context: number): [number, number][] {
  const ranges: [number, number][] = [];
  let i = 0;
  while (i < ops.length) {
    if (ops[i]?.kind === ' ') {
      i++;
      continue;
    }
    const from = Math.max(0, i - context);
    let lastChange = i;
    let k = i + 1;
    while (k < ops.length) {
      if (ops[k]?.kind !== ' ') {
        lastChange = k;
      } else if (k - lastChange > 2 * context) {
        break;
      }
      k++;
    }
    const to = Math.min(ops.length, lastChange + context + 1);
    ranges.push([from, to]);
    i = to;
  }
  return ranges;
}

function range(before: number, count: number): string {
  if (count === 0) return `${before},0`;
  if (count === 1) return `${before + 1}`;
  return `${before + 1},${count}`;
}

function header(side: DiffSide): string {
  if (side.mtimeMs === undefined) return side.label;
  const iso = new Date(side.mtimeMs).toISOString(); // 2026-01-01T00:00:00.000Z
  const stamp = `${iso.slice(0, 10)} ${iso.slice(11, 23)}000000 +0000`;
  return `${side.label}\t${stamp}`;
}
