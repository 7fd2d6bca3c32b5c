/** Parses `15s`, `2m`, `1h30m`, `750ms` or a plain number of seconds into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  for (const m of t.matchAll(re)) {
    const n = Number(m[1]);
    const unit = m[2] as 'ms' | 's' | 'm' | 'h' | 'd';
    total += n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit];
    matched += m[0].length;
  }
  if (matched === 0 || matched !== t.length) return undefined;
  return Math.round(total);
}

/** `1h2m`, `45s`, `820ms` — for tables. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  return `${Math.floor(h / 24)}d`;
}
