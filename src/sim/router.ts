/**
 * Route matching over the endpoint table, compiled once into a per-method segment trie so a lookup
 * costs one map probe per path segment. Literal segments win over `{param}` segments, as in
 * `PVE::RESTHandler::find_handler`.
 */
import type { EndpointDef, HttpMethod } from './types.js';

interface Node {
  literal: Map<string, Node>;
  param?: { name: string; node: Node };
  endpoint?: EndpointDef;
}

export interface RouteMatch {
  endpoint: EndpointDef;
  /** Path parameters, already uri-unescaped. */
  pathParams: [string, string][];
}

/**
 * Last path parameters that may contain `/` (pve-firewall's IPSet entry `{cidr}` and pve-storage's
 * `{storage}/content/{volume}` are declared with an empty fragment delimiter, so
 * `ipset/x/10.0.0.0/24` and `content/local:vztmpl/x.tar.zst` reach them).
 */
const GREEDY_PARAMS = new Set(['cidr', 'volume']);

function newNode(): Node {
  return { literal: new Map() };
}

export class Router {
  private readonly roots = new Map<HttpMethod, Node>();

  constructor(endpoints: readonly EndpointDef[]) {
    for (const ep of endpoints) this.add(ep);
  }

  private add(ep: EndpointDef): void {
    let node = this.roots.get(ep.method);
    if (!node) {
      node = newNode();
      this.roots.set(ep.method, node);
    }
    for (const seg of ep.path.split('/').filter((s) => s !== '')) {
      const m = /^\{(.+)\}$/.exec(seg);
      if (m?.[1]) {
        if (!node.param) node.param = { name: m[1], node: newNode() };
        else if (node.param.name !== m[1]) {
          throw new Error(`route conflict at ${ep.method} ${ep.path}: {${node.param.name}}`);
        }
        node = node.param.node;
      } else {
        let next = node.literal.get(seg);
        if (!next) {
          next = newNode();
          node.literal.set(seg, next);
        }
        node = next;
      }
    }
    if (node.endpoint) throw new Error(`duplicate endpoint ${ep.method} ${ep.path}`);
    node.endpoint = ep;
  }

  /** Matches already-unescaped path segments (below `/api2/json`). */
  match(method: string, segments: readonly string[]): RouteMatch | undefined {
    const root = this.roots.get(method as HttpMethod);
    if (!root) return undefined;
    const params: [string, string][] = [];
    const ep = walk(root, segments, 0, params);
    return ep ? { endpoint: ep, pathParams: params } : undefined;
  }
}

function walk(
  node: Node,
  segs: readonly string[],
  i: number,
  params: [string, string][],
): EndpointDef | undefined {
  if (i === segs.length) return node.endpoint;
  const seg = segs[i] as string;
  const lit = node.literal.get(seg);
  if (lit) {
    const found = walk(lit, segs, i + 1, params);
    if (found) return found;
  }
  const p = node.param;
  if (!p || seg === '') return undefined;
  params.push([p.name, seg]);
  const found = walk(p.node, segs, i + 1, params);
  if (found) return found;
  if (GREEDY_PARAMS.has(p.name) && p.node.endpoint && i + 1 < segs.length) {
    params[params.length - 1] = [p.name, segs.slice(i).join('/')];
    return p.node.endpoint;
  }
  params.pop();
  return undefined;
}

/**
 * `URI::Escape::uri_unescape`: decodes `%XX` as bytes then UTF-8, and leaves malformed escapes as
 * they are (pveproxy never rejects a path for its escapes).
 */
export function uriUnescape(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(ESCAPE_RUN, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
}

const ESCAPE_RUN = /(?:%[0-9a-fA-F]{2})+/g;
