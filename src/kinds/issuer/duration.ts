/** Go-style durations of the certificate kinds (`2160h`, `90d`, `1h30m`), in milliseconds. */
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 } as const;

export function parseCertDuration(text: string): number | undefined {
  if (!/^(\d+[dhms])+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+)([dhms])/g)) {
    total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  }
  return total;
}
