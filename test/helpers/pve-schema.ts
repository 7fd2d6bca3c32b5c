/**
 * The official Proxmox VE 9.1.3 API schema from `../shared/pve-api` (not part of the repo: tests that
 * use it skip with a message when it is absent from a user's clone, and fail under CI, like a missing
 * binary, so the simulator's conformance can never silently stop being checked), indexed by
 * `METHOD /path`, and the comparison of a simulator endpoint definition with it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EndpointDef, ParamDef } from '../../src/sim/types.js';

// PXR_TEST_PVE_SCHEMA points elsewhere only for the test that proves a missing schema fails in CI.
export const SCHEMA_PATH =
  process.env.PXR_TEST_PVE_SCHEMA ??
  fileURLToPath(new URL('../../../shared/pve-api/pve-api-schema-9.1.3.json', import.meta.url));

export interface SchemaParam {
  type?: string;
  optional?: number;
  enum?: string[];
  format?: string | Record<string, SchemaParam & { default_key?: number }>;
  pattern?: string;
  minimum?: number | string;
  maximum?: number | string;
  minLength?: number;
  maxLength?: number;
  default?: unknown;
}
export interface SchemaMethod {
  allowtoken?: number;
  parameters?: { properties?: Record<string, SchemaParam> };
  returns?: { type?: string };
  permissions?: { check?: [string, string, string[]]; user?: string; description?: string };
}
interface SchemaNode {
  path: string;
  info?: Record<string, SchemaMethod>;
  children?: SchemaNode[];
}

/** `METHOD /path` → schema entry, or undefined when ../shared is absent. */
export function loadSchemaIndex(): Map<string, SchemaMethod> | undefined {
  if (!existsSync(SCHEMA_PATH)) return undefined;
  const out = new Map<string, SchemaMethod>();
  const walk = (n: SchemaNode): void => {
    for (const [m, info] of Object.entries(n.info ?? {})) out.set(`${m} ${n.path}`, info);
    for (const c of n.children ?? []) walk(c);
  };
  (JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as SchemaNode[]).forEach(walk);
  return out;
}

export const MISSING_MESSAGE = `reference schema not found at ${SCHEMA_PATH} (../shared/pve-api is not part of the repo)`;

/**
 * The `skip` option of the tests that need the schema: the reason when it is absent outside CI,
 * false when it is present or under CI (the test then runs and fails on the missing schema).
 */
export function schemaSkip(
  present: boolean,
  env: Record<string, string | undefined> = process.env,
): string | false {
  if (present || env.CI) return false;
  return `${MISSING_MESSAGE}; required in CI`;
}

/** Perl stringifies compiled regexes as `(?^:...)`; JavaScript spells the group `(?:...)`. */
export const jsPattern = (p: string): string => p.replace(/\(\?\^:/g, '(?:');

const NUMERIC = ['minimum', 'maximum', 'minLength', 'maxLength'] as const;

/** Differences between one endpoint and its schema entry, as readable lines (empty = faithful). */
export function compareEndpoint(ep: EndpointDef, info: SchemaMethod): string[] {
  const diffs: string[] = [];
  const props = info.parameters?.properties ?? {};
  const ours = new Map<string, ParamDef>(Object.entries(ep.params));
  for (const [family, { def }] of Object.entries(ep.indexed ?? {})) ours.set(`${family}[n]`, def);
  for (const name of Object.keys(props)) {
    if (!ours.has(name)) diffs.push(`missing parameter '${name}'`);
  }
  for (const [name, def] of ours) {
    const p = props[name];
    if (!p) {
      diffs.push(`parameter '${name}' is not in the schema`);
      continue;
    }
    if (p.type !== undefined && p.type !== def.type) {
      diffs.push(`'${name}': type ${def.type}, schema ${p.type}`);
    }
    if ((p.optional === 1) !== (def.optional === true)) {
      diffs.push(
        `'${name}': optional ${String(def.optional === true)}, schema ${String(p.optional === 1)}`,
      );
    }
    const a = JSON.stringify(def.enum ?? null);
    const b = JSON.stringify(p.enum ?? null);
    if (a !== b) diffs.push(`'${name}': enum ${a}, schema ${b}`);
    if (typeof p.format === 'string' && def.format !== undefined && def.format !== p.format) {
      diffs.push(`'${name}': format ${def.format}, schema ${p.format}`);
    }
    for (const k of NUMERIC) {
      const theirs = p[k] === undefined ? undefined : Number(p[k]);
      if (theirs !== def[k])
        diffs.push(`'${name}': ${k} ${String(def[k])}, schema ${String(theirs)}`);
    }
    if (
      p.pattern !== undefined &&
      (def.pattern === undefined || jsPattern(p.pattern) !== def.pattern)
    ) {
      diffs.push(`'${name}': pattern ${String(def.pattern)}, schema ${p.pattern}`);
    }
    if (p.default !== undefined && JSON.stringify(p.default) !== JSON.stringify(def.default)) {
      diffs.push(
        `'${name}': default ${JSON.stringify(def.default)}, schema ${JSON.stringify(p.default)}`,
      );
    }
  }
  const tokenOk = info.allowtoken !== 0;
  if ((ep.allowToken !== false) !== tokenOk) {
    diffs.push(
      `allowToken ${String(ep.allowToken !== false)}, schema allowtoken ${String(info.allowtoken)}`,
    );
  }
  if (
    ep.returns !== undefined &&
    info.returns?.type !== undefined &&
    ep.returns !== info.returns.type
  ) {
    diffs.push(`returns ${ep.returns}, schema ${info.returns.type}`);
  }
  // check_api2_permissions (pve-access-control PVE/RPCEnvironment.pm) returns before `check`
  // when `user => 'all'`: such a check is only advice to the handler (GET /cluster/options).
  let check: unknown[] | undefined =
    info.permissions?.user === 'all' ? undefined : info.permissions?.check;
  // An `['and', ['perm', ...], ...]` check (POST .../lxc/{vmid}/clone): the simulator enforces
  // its first `perm` term, which must then match exactly.
  if (check?.[0] === 'and') check = check[1] as unknown[];
  const mine = ep.permission ? JSON.stringify(ep.permission) : 'none';
  const theirs = check ? JSON.stringify({ path: check[1], privs: check[2] }) : 'none';
  // Some handlers check privileges in code and the schema only describes them in words
  // (POST /nodes/{node}/lxc: "You need 'VM.Allocate' permission on /vms/{vmid}...").
  const described =
    !check &&
    ep.permission !== undefined &&
    ep.permission.privs.every((p) => info.permissions?.description?.includes(`'${p}'`));
  if (mine !== theirs && !described) diffs.push(`permission ${mine}, schema ${theirs}`);
  return diffs;
}
