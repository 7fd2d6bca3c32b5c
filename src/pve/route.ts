/**
 * Path helpers: concrete paths for requests and route templates (`/nodes/{node}/network`) for
 * metrics and errors. Templates keep metric cardinality bounded: counting by concrete path would
 * create one series per container, task or rule position.
 */

/** Collection segment -> name of the parameter that follows it (as the official schema names it). */
const CHILD_PARAM: Record<string, string> = {
  nodes: 'node',
  lxc: 'vmid',
  qemu: 'vmid',
  tasks: 'upid',
  network: 'iface',
  storage: 'storage',
  rules: 'pos',
  aliases: 'name',
  snapshot: 'snapname',
  pools: 'poolid',
  users: 'userid',
  token: 'tokenid',
};

/** Collections whose child has a child of its own: `ipset/{name}/{cidr}`, `groups/{group}/{pos}`. */
const TWO_LEVEL: Record<string, [string, string]> = {
  ipset: ['name', 'cidr'],
  groups: ['group', 'pos'],
};

/** Children under these collections are not parameters (`/nodes/{node}/tasks` vs `/cluster/tasks`). */
const TEMPLATE_SEGMENTS = new Set(['status', 'config', 'log', 'current', 'options', 'refs']);

/**
 * Route template of a concrete API path (below `/api2/json`), e.g.
 * `/nodes/pve/lxc/100/config` -> `/nodes/{node}/lxc/{vmid}/config`.
 */
export function routeTemplate(path: string): string {
  const segs = path
    .split('?')[0]!
    .split('/')
    .filter((s) => s !== '');
  const out: string[] = [];
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    out.push(seg);
    const two = TWO_LEVEL[seg];
    if (two) {
      if (i + 1 < segs.length) out.push(`{${two[0]}}`);
      if (i + 2 < segs.length) out.push(`{${two[1]}}`);
      i += Math.min(2, segs.length - 1 - i);
      continue;
    }
    const param = CHILD_PARAM[seg];
    const next = segs[i + 1];
    if (param && next !== undefined && !TEMPLATE_SEGMENTS.has(next)) {
      out.push(`{${param}}`);
      i++;
    }
    if (seg === 'content' && i + 1 < segs.length) {
      // A volume id (`local:vztmpl/x.tar.zst`) may itself contain slashes.
      out.push('{volume}');
      break;
    }
  }
  return `/${out.join('/')}`;
}

/**
 * Escapes one path segment. Characters legal in a path (`:` `@` `!` ...) stay raw, because Proxmox
 * clients send UPIDs and token ids that way; only what would break the URL is percent-encoded.
 */
export function pathSegment(value: string | number): string {
  return encodeURIComponent(String(value)).replace(
    /%(3A|40|21|24|26|27|28|29|2A|2B|2C|3B|3D)/gi,
    (m) => decodeURIComponent(m),
  );
}

/** Builds a concrete path from a template and values: `apiPath('/nodes/{node}/network', { node })`. */
export function apiPath(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{([^}]+)\}/g, (_m, k: string) => {
    const v = values[k];
    if (v === undefined) throw new Error(`apiPath: missing value for {${k}} in ${template}`);
    return pathSegment(v);
  });
}
