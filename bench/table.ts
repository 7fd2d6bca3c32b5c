/** One benchmark measurement, printed as a table row by `npm run bench`. */
export interface Row {
  name: string;
  value: number;
  unit: string;
  /** The requirement, in words (e.g. `>= 5000`), shown beside the value. */
  target?: string;
  /** Whether the target is met; omitted when there is none. */
  ok?: boolean;
}

export function formatValue(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export function renderRows(section: string, rows: readonly Row[]): string {
  const cells = rows.map((r) => [
    r.name,
    `${formatValue(r.value)} ${r.unit}`,
    r.target ?? '',
    r.ok === undefined ? '' : r.ok ? 'ok' : 'MISSED',
  ]);
  const head = ['measure', 'value', 'target', ''];
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => `| ${c.map((x, i) => x.padEnd(w[i]!)).join(' | ')} |`;
  return [
    `\n## ${section}\n`,
    line(head),
    `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`,
    ...cells.map(line),
  ].join('\n');
}
