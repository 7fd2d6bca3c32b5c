/** The matrix as the plain-text table `pxr describe` prints. */
import type { MatrixCell, ProbeResult, ReachabilityMatrix, Step } from './matrix.js';

const REASONS: Record<string, string> = {
  'cluster-firewall-off': 'cluster firewall off',
  'guest-firewall-off': 'guest firewall option off',
  'nic-firewall-off': 'NIC without firewall=1',
};

export function describeStep(step: Step): string {
  const where = `${step.chain} ${step.vmid}/${step.nic}`;
  switch (step.by) {
    case 'rule': {
      const r = step.rule;
      const group = r.group === undefined ? '' : ` > group ${r.group} #${r.groupPos ?? '?'}`;
      const macro = r.macro ? ` ${r.macro}` : '';
      const comment = r.comment ? ` "${r.comment}"` : '';
      return `${where}: rule #${r.pos}${group} ${step.action}${macro}${comment}`;
    }
    case 'policy':
      return `${where}: policy_${step.chain} ${step.policy}${step.set ? '' : ' (default)'}`;
    case 'not-filtered':
      return `${where}: not filtered (${step.reasons.map((r) => REASONS[r] ?? r).join(', ')})`;
    case 'ipfilter':
      return `${where}: source not in ${step.ipset}`;
    case 'blacklist':
      return `${where}: source in cluster IP set blacklist`;
  }
}

function by(steps: Step[]): string {
  return steps.map(describeStep).join('; ');
}

/** Probes that end alike share a line; a cell where every probe ends alike says `any`. */
function cellLines(cell: MatrixCell, from: string, to: string): string[][] {
  const groups = new Map<string, { labels: string[]; result: ProbeResult }>();
  for (const r of cell.results) {
    const key = JSON.stringify([r.verdict, r.steps, r.parts]);
    const g = groups.get(key) ?? { labels: [], result: r };
    g.labels.push(r.probe.label);
    groups.set(key, g);
  }
  const lines: string[][] = [];
  [...groups.values()].forEach(({ labels, result: r }, i) => {
    const lead = i === 0 ? [from, to] : ['', ''];
    const what = groups.size === 1 ? 'any' : labels.join(' ');
    if (r.verdict !== 'mixed') {
      lines.push([...lead, what, r.verdict, by(r.steps ?? [])]);
      return;
    }
    lines.push([...lead, what, 'mixed', '']);
    for (const part of r.parts ?? []) {
      const where = `  from ${part.from.join(',')}${part.to.length === 1 ? '' : ` to ${part.to.join(',')}`}`;
      lines.push(['', '', where, part.verdict, by(part.steps)]);
    }
  });
  return lines;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function renderMatrix(matrix: ReachabilityMatrix): string {
  const labels = new Map(matrix.sources.map((s) => [s.id, s.label]));
  const dests = new Map(
    matrix.destinations.map((d) => [d.id, `${d.label} ${d.nic} (${d.addresses.join(',')})`]),
  );
  const out: string[] = ['Destinations:'];
  for (const d of matrix.destinations) {
    const state = d.filtered
      ? 'filtered'
      : `NOT FILTERED: ${d.notFiltered.map((r) => REASONS[r] ?? r).join(', ')}`;
    out.push(`  ${dests.get(d.id) ?? d.id} on ${d.bridge} (node ${d.node}): ${state}`);
  }
  const rows: string[][] = [['FROM', 'TO', 'TRAFFIC', 'VERDICT', 'BY']];
  for (const c of matrix.cells) {
    rows.push(...cellLines(c, labels.get(c.from) ?? c.from, dests.get(c.to) ?? c.to));
  }
  out.push('', table(rows), '', 'Always allowed by pve-firewall:');
  out.push(...matrix.alwaysAllowed.map((a) => `  - ${a}`));
  if (matrix.notes.length > 0) {
    out.push('', 'Notes:', ...matrix.notes.map((n) => `  - ${n}`));
  }
  return `${out.join('\n')}\n`;
}
