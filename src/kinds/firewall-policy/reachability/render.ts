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

/** One line per probe, or one `any` line when every probe of the cell ends alike. */
function cellLines(cell: MatrixCell, from: string, to: string): string[][] {
  const keys = new Set(cell.results.map((r) => JSON.stringify([r.verdict, r.steps, r.parts])));
  const first = cell.results[0];
  const results: ProbeResult[] =
    keys.size === 1 && first ? [{ ...first, probe: { label: 'any' } }] : cell.results;
  const lines: string[][] = [];
  results.forEach((r, i) => {
    const lead = i === 0 ? [from, to] : ['', ''];
    if (r.verdict !== 'mixed') {
      lines.push([...lead, r.probe.label, r.verdict, by(r.steps ?? [])]);
      return;
    }
    lines.push([...lead, r.probe.label, 'mixed', '']);
    for (const part of r.parts ?? []) {
      const what = `  from ${part.from.join(',')}${part.to.length === 1 ? '' : ` to ${part.to.join(',')}`}`;
      lines.push(['', '', what, part.verdict, by(part.steps)]);
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
