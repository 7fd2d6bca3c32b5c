/**
 * The simulated appliance's `nft`: reads the table files pxr renders (declare, delete, re-create) and
 * lists the table back in `nft -j` form. It understands only the statements pxr writes — it is a
 * stand-in for `pxr run --sim`, not an nft implementation; anything else is a syntax error.
 */
import type { NftChain } from '../render/nftables.js';

type Expr = Record<string, unknown>;

function ifname(key: string, value: string): Expr {
  return { match: { op: '==', left: { meta: { key } }, right: value.replace(/^"|"$/g, '') } };
}

/** Compiles one rule line of pxr's own syntax into `nft -j` expressions. */
export function compileRule(line: string): Expr[] {
  const tokens = line.trim().split(/\s+/);
  const out: Expr[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    const next = tokens[i + 1];
    if ((tok === 'iifname' || tok === 'oifname') && next) {
      out.push(ifname(tok, next));
      i++;
    } else if (tok === 'ip' && next === 'saddr' && tokens[i + 2]) {
      const [addr, len] = (tokens[i + 2] ?? '').split('/');
      const right = len === undefined ? addr : { prefix: { addr, len: Number(len) } };
      out.push({
        match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right },
      });
      i += 2;
    } else if (tok === 'ct' && next === 'state' && tokens[i + 2]) {
      const states = (tokens[i + 2] ?? '').split(',');
      out.push({
        match: {
          op: 'in',
          left: { ct: { key: 'state' } },
          right: states.length === 1 ? states[0] : states,
        },
      });
      i += 2;
    } else if (tok === 'accept' || tok === 'drop' || tok === 'masquerade')
      out.push({ [tok]: null });
    else throw new Error(`syntax error, unexpected ${tok ?? 'end of rule'}`);
  }
  return out;
}

/** Parses a file pxr renders; the chains of `inet pxr` after it is applied. */
export function parseNftFile(text: string): NftChain[] {
  const chains: NftChain[] = [];
  let chain: NftChain | undefined;
  let inTable = false;
  for (const [n, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    const fail = (): never => {
      throw new Error(`line ${n + 1}: syntax error: ${line}`);
    };
    if (line === '' || line.startsWith('#')) continue;
    if (!inTable) {
      if (line === 'table inet pxr' || line === 'delete table inet pxr') continue;
      if (line === 'table inet pxr {') inTable = true;
      else fail();
      continue;
    }
    const head = /^type (filter|nat) hook (\w+) priority (-?\d+); policy (accept|drop);$/.exec(
      line,
    );
    if (line === '}') {
      if (chain) chains.push(chain);
      else inTable = false;
      chain = undefined;
    } else if (!chain && /^chain \w+ \{$/.test(line))
      chain = {
        name: line.split(' ')[1] ?? '',
        type: 'filter',
        hook: 'forward',
        priority: 0,
        policy: 'accept',
        rules: [],
      };
    else if (chain && head) {
      chain.type = head[1] as NftChain['type'];
      chain.hook = head[2] as NftChain['hook'];
      chain.priority = Number(head[3]);
      chain.policy = head[4] as NftChain['policy'];
    } else if (chain) {
      compileRule(line);
      chain.rules.push(line);
    } else fail();
  }
  if (inTable || chain) throw new Error('syntax error, unexpected end of file');
  return chains;
}

/** `nft -j list table inet pxr` for these chains. */
export function listNftJson(chains: NftChain[]): string {
  const items: unknown[] = [
    { metainfo: { version: 'simulated', json_schema_version: 1 } },
    { table: { family: 'inet', name: 'pxr', handle: 1 } },
  ];
  let handle = 1;
  for (const c of chains)
    items.push({
      chain: {
        family: 'inet',
        table: 'pxr',
        name: c.name,
        handle: handle++,
        type: c.type,
        hook: c.hook,
        prio: c.priority,
        policy: c.policy,
      },
    });
  for (const c of chains)
    for (const r of c.rules)
      items.push({
        rule: {
          family: 'inet',
          table: 'pxr',
          chain: c.name,
          handle: handle++,
          expr: compileRule(r),
        },
      });
  return JSON.stringify({ nftables: items });
}
