/** `pxr get certificates` columns: ISSUER, TARGETS (where it is installed), EXPIRES and RENEWS (from status). */
import type { ObjectView, PrinterColumn } from '../../core/object-view.js';

const at = (v: ObjectView, key: string): string => {
  const x = v.status?.observed[key];
  return typeof x === 'string' ? x.replace('T', ' ').slice(0, 16) : '-';
};

interface TargetsSpec {
  node?: { name?: string };
  appliance?: { name?: string };
  files?: { container?: string }[];
}

/** `node/pve,appliance/gw,files/traefik`: where the certificate goes ('-': stored only). */
function targetsOf(targets: unknown): string {
  const t = (targets ?? {}) as TargetsSpec;
  const out = [
    ...(t.node?.name ? [`node/${t.node.name}`] : []),
    ...(t.appliance?.name ? [`appliance/${t.appliance.name}`] : []),
    ...(t.files ?? []).map((f) => `files/${f.container ?? '?'}`),
  ];
  return out.length > 0 ? out.join(',') : '-';
}

export const certificateColumns: PrinterColumn[] = [
  {
    header: 'ISSUER',
    value: (v) =>
      String((v.object.spec['issuerRef'] as { name?: string } | undefined)?.name ?? '-'),
  },
  { header: 'TARGETS', value: (v) => targetsOf(v.object.spec['targets']) },
  { header: 'EXPIRES', value: (v) => at(v, 'notAfter') },
  { header: 'RENEWS', value: (v) => at(v, 'renewalTime') },
];
