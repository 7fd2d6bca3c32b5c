/**
 * pxr's own nftables table, `inet pxr`, rendered whole. The file first declares the table (so the
 * delete cannot fail when it is absent), deletes it, and declares it again with its chains: `nft -f`
 * applies a file as one transaction, so the table is replaced atomically and nothing else on the
 * appliance is touched. (`destroy table` would be shorter but needs nft >= 1.0.8; Debian 12 has 1.0.6.)
 *
 * Rules are kept in nft's own listing syntax, which is also what {@link nftRuleText} makes of the
 * JSON listing (`nft -j list table inet pxr`), so desired and observed compare as plain strings.
 */
import type { ApplianceDesired } from '../desired.js';
import { parseCidr } from '../desired.js';
import type { GuestNftChain } from '../../sim/index.js';

export const NFT_FAMILY = 'inet';
export const NFT_TABLE = 'pxr';

/** One chain of the table (the simulator keeps the same shape for a simulated appliance). */
export type NftChain = GuestNftChain;

export interface NftTable {
  chains: NftChain[];
}

/** The table's model: masquerade LAN→WAN, forward LAN→WAN and replies, nothing from the WAN in. */
export function nftModel(d: ApplianceDesired): NftTable {
  const chains: NftChain[] = [
    {
      name: 'forward',
      type: 'filter',
      hook: 'forward',
      priority: 0,
      // The LAN is isolated: only its own outbound connections (and their replies) are forwarded.
      policy: 'drop',
      rules: [
        'ct state established,related accept',
        ...(d.nat.enabled ? [`iifname "${d.lan.iface}" oifname "${d.nat.outIface}" accept`] : []),
      ],
    },
  ];
  if (d.nat.enabled) {
    const from = parseCidr(d.nat.masqueradeFrom);
    const net = from ? `${from.network}/${from.prefix}` : d.nat.masqueradeFrom;
    chains.push({
      name: 'postrouting',
      type: 'nat',
      hook: 'postrouting',
      priority: 100,
      policy: 'accept',
      rules: [`ip saddr ${net} oifname "${d.nat.outIface}" masquerade`],
    });
  }
  return { chains };
}

/** The `nft -f` file that replaces the table atomically. */
export function renderNftables(table: NftTable): string {
  const out = [
    '# Managed by pxr: rendered whole from desired state; edits here are reverted.',
    `table ${NFT_FAMILY} ${NFT_TABLE}`,
    `delete table ${NFT_FAMILY} ${NFT_TABLE}`,
    `table ${NFT_FAMILY} ${NFT_TABLE} {`,
  ];
  for (const c of table.chains) {
    out.push(`  chain ${c.name} {`);
    out.push(`    type ${c.type} hook ${c.hook} priority ${c.priority}; policy ${c.policy};`);
    for (const r of c.rules) out.push(`    ${r}`);
    out.push('  }');
  }
  out.push('}');
  return out.join('\n') + '\n';
}

/** IP forwarding follows NAT: the appliance routes for the LAN only when NAT is on. */
export function wantsIpForward(d: ApplianceDesired): boolean {
  return d.nat.enabled;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A scalar as text; anything else as JSON (so an unexpected shape shows up in drift, not as `[object Object]`). */
function scalar(v: Json | undefined): string {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v ?? null);
}

function operand(v: Json): string {
  if (v === null || typeof v !== 'object') return typeof v === 'string' ? v : String(v);
  if (Array.isArray(v)) return v.map(operand).join(',');
  if ('payload' in v && v.payload && typeof v.payload === 'object' && !Array.isArray(v.payload))
    return `${scalar(v.payload.protocol)} ${scalar(v.payload.field)}`;
  if ('meta' in v && v.meta && typeof v.meta === 'object' && !Array.isArray(v.meta))
    return scalar(v.meta.key);
  if ('ct' in v && v.ct && typeof v.ct === 'object' && !Array.isArray(v.ct))
    return `ct ${scalar(v.ct.key)}`;
  if ('prefix' in v && v.prefix && typeof v.prefix === 'object' && !Array.isArray(v.prefix))
    return `${scalar(v.prefix.addr)}/${scalar(v.prefix.len)}`;
  if ('set' in v && Array.isArray(v.set)) return `{ ${v.set.map(operand).join(', ')} }`;
  return JSON.stringify(v);
}

const IFNAME_KEYS = new Set(['iifname', 'oifname']);

function statement(s: Json): string {
  if (s === null || typeof s !== 'object' || Array.isArray(s)) return JSON.stringify(s);
  const [key, value] = Object.entries(s)[0] ?? ['', null];
  if (key === 'match' && value && typeof value === 'object' && !Array.isArray(value)) {
    const left = operand(value.left ?? null);
    let right = operand(value.right ?? null);
    if (IFNAME_KEYS.has(left) && typeof value.right === 'string') right = `"${right}"`;
    const op = value.op === '==' || value.op === 'in' ? '' : `${scalar(value.op)} `;
    return `${left} ${op}${right}`;
  }
  if (value === null) return key;
  return JSON.stringify(s);
}

/** One rule of `nft -j` output (its `expr` list) in nft's listing syntax. */
export function nftRuleText(expr: Json[]): string {
  return expr.map(statement).join(' ');
}

/** Reads `nft -j list table inet pxr` output back into the model; undefined when the table is absent. */
export function parseNftJson(text: string): NftTable | undefined {
  const doc = JSON.parse(text) as { nftables?: Array<Record<string, Record<string, Json>>> };
  const items = doc.nftables ?? [];
  if (!items.some((i) => i.table?.name === NFT_TABLE)) return undefined;
  const chains = new Map<string, NftChain>();
  for (const item of items) {
    const c = item.chain;
    if (!c || c.table !== NFT_TABLE) continue;
    chains.set(scalar(c.name), {
      name: scalar(c.name),
      type: c.type as NftChain['type'],
      hook: c.hook as NftChain['hook'],
      priority: Number(c.prio),
      policy: c.policy as NftChain['policy'],
      rules: [],
    });
  }
  for (const item of items) {
    const r = item.rule;
    if (!r || r.table !== NFT_TABLE) continue;
    const chain = chains.get(scalar(r.chain));
    if (chain && Array.isArray(r.expr)) chain.rules.push(nftRuleText(r.expr));
  }
  return { chains: [...chains.values()] };
}
