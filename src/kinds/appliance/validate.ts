/**
 * Semantic checks of an Appliance beyond its JSON Schema: names Proxmox rejects, the LAN and its
 * ranges (through the same `validateDesired` the services run before rendering, with no members
 * yet), and transport settings that could only fail at connect time. Runs on the raw spec even when
 * the schema failed, so it only trusts values it has type-checked.
 */
import { validateDesired } from '../../appliance/desired.js';
import type { ManifestDoc, SourceIssue } from '../../source/types.js';
import { checkCidrV4, checkGatewayInCidr, checkNicBridge, checkIpv4 } from '../../source/checks.js';
import { buildModel } from './members.js';
import { resolveAppliance, type ApplianceSpec } from './spec.js';
import { recordOrUndefined as obj } from '../../core/records.js';

export type SemanticIssue = Omit<SourceIssue, 'file' | 'line' | 'column'>;

/** The spec field a `validateDesired` sentence is about (it starts with the model's path). */
function fieldOf(issue: string): string {
  const m = /^(dhcp\.\w+|dns\.\w+|lan\.\w+|nat\.\w+|proxy\.\w+)/.exec(issue);
  if (!m?.[1]) return 'spec';
  if (m[1] === 'dns.upstream') return 'spec.dns.upstream';
  if (m[1] === 'nat.masqueradeFrom') return 'spec.nat.masqueradeFrom';
  if (m[1].startsWith('lan.')) return 'spec.lan.cidr';
  return `spec.${m[1]}`;
}

export function validateAppliance(doc: ManifestDoc): SemanticIssue[] {
  const spec = doc.spec;
  const issues: SemanticIssue[] = [];
  const add = (field: string, message: string): void => {
    issues.push({ field: `spec.${field}`, message });
  };
  const wan = obj(spec['wan']);
  const lan = obj(spec['lan']);
  for (const [side, nic] of [
    ['wan', wan],
    ['lan', lan],
  ] as const) {
    const b = nic?.['bridge'];
    if (typeof b === 'string') {
      const bad = checkNicBridge(b);
      if (bad) add(`${side}.bridge`, bad);
    }
  }
  if (typeof wan?.['bridge'] === 'string' && wan['bridge'] === lan?.['bridge'])
    add('lan.bridge', 'the LAN and the WAN must be different bridges');
  const cidr = lan?.['cidr'];
  if (typeof cidr === 'string') {
    const bad = checkCidrV4(cidr);
    if (bad) add('lan.cidr', bad);
  }
  const ip = wan?.['ip'];
  const gw = wan?.['gateway'];
  if (typeof ip === 'string' && ip !== 'dhcp') {
    const bad = checkCidrV4(ip);
    if (bad) add('wan.ip', bad);
    else if (typeof gw === 'string' && checkIpv4(gw) === undefined) {
      const outside = checkGatewayInCidr(gw, ip);
      if (outside) add('wan.gateway', outside);
    }
  } else if (gw !== undefined) {
    add(
      'wan.gateway',
      'a gateway only applies to a static wan.ip; with dhcp the lease provides it',
    );
  }

  // Caddy's admin API has no authentication, and the appliance's nft table filters no input: on any
  // other address, every LAN member (or the WAN) could rewrite the proxy.
  const admin = obj(spec['proxy'])?.['adminListen'];
  if (typeof admin === 'string' && !isLoopbackListen(admin))
    add(
      'proxy.adminListen',
      `${admin}: Caddy's admin API must listen on loopback (127.0.0.1:PORT, [::1]:PORT or localhost:PORT)`,
    );

  const access = obj(spec['access']);
  const t = access?.['transport'];
  if (t === 'ssh' || t === 'pct') {
    for (const k of ['host', 'privateKeyFile', 'hostKeyFingerprint'])
      if (access?.[k] === undefined)
        add(`access.${k}`, `the ${t} transport needs access.${k} (the host key is pinned)`);
  }

  // The ranges, domain and records, checked by the very function the services run before rendering.
  if (issues.length === 0 && lan && wan && obj(spec['dhcp']) && obj(spec['dns']) && access) {
    let found: string[] = [];
    try {
      const s = spec as unknown as ApplianceSpec;
      const model = buildModel({ ...docAsObject(doc), spec }, resolveAppliance(s), []);
      found = validateDesired(model.desired);
    } catch {
      // A shape the schema already reports (a missing range end...): nothing more to say here.
      found = [];
    }
    for (const f of found) issues.push({ field: fieldOf(f), message: f });
  }
  return issues;
}

function isLoopbackListen(listen: string): boolean {
  const host = listen.slice(0, listen.lastIndexOf(':'));
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

function docAsObject(doc: ManifestDoc): {
  kind: string;
  name: string;
  uid: string;
  generation: number;
  specHash: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  sourceFile: string;
  deletionRequested: boolean;
  finalizers: string[];
} {
  return {
    kind: 'Appliance',
    name: doc.name,
    uid: '',
    generation: 0,
    specHash: '',
    labels: {},
    annotations: {},
    sourceFile: '',
    deletionRequested: false,
    finalizers: [],
  };
}
