/**
 * Parameter verification, as pve-common `PVE::JSONSchema::check_prop` does it: the same order of
 * checks (type, format, pattern, length, range, enum) and the same texts, every failing parameter
 * reported at once in one `400 Parameter verification failed.`
 */
import type { EndpointDef, ParamDef } from './types.js';
import { PveError } from './types.js';
import { checkFormat } from './formats.js';

/** Raw parameter values as they arrived (repeated keys keep every value). */
export type RawParams = Map<string, string[]>;

const INTEGER_RE = /^[+-]?\d+$/;
const NUMBER_RE = /^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?$/;

const patternCache = new Map<string, RegExp>();
function anchored(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    // Perl matches `m/^$pattern$/`; `u` is omitted because Perl patterns are not unicode-strict.
    // `qr/.../i` prints as `(?^i:...)`: the flag moves onto the JavaScript RegExp
    const ci = /^\(\?\^i:(.*)\)$/s.exec(pattern);
    re = ci ? new RegExp(`^(?:${ci[1]})$`, 'i') : new RegExp(`^(?:${pattern})$`);
    patternCache.set(pattern, re);
  }
  return re;
}

/** Checks one scalar value; returns the coerced value or the error text. */
export function checkValue(
  def: ParamDef,
  raw: string,
): { ok: true; value: unknown } | { ok: false; error: string } {
  let value: unknown = raw;
  switch (def.type) {
    case 'boolean':
      // check_type accepts exactly '0' and '1' (JSON true/false arrive here as '1'/'0').
      if (raw === '1' || raw === '0') value = Number(raw);
      else return { ok: false, error: `type check ('boolean') failed - got '${raw}'` };
      break;
    case 'integer':
      if (!INTEGER_RE.test(raw))
        return { ok: false, error: `type check ('integer') failed - got '${raw}'` };
      value = Number(raw);
      break;
    case 'number':
      if (!NUMBER_RE.test(raw))
        return { ok: false, error: `type check ('number') failed - got '${raw}'` };
      value = Number(raw);
      break;
    case 'object':
    case 'array':
      return { ok: false, error: `type check ('${def.type}') failed` };
    default:
      break;
  }
  if (def.format !== undefined) {
    const err = checkFormat(def.format, raw);
    if (err !== undefined) return { ok: false, error: `invalid format - ${err}` };
  }
  if (def.pattern !== undefined && !anchored(def.pattern).test(raw)) {
    return { ok: false, error: 'value does not match the regex pattern' };
  }
  if (def.maxLength !== undefined && [...raw].length > def.maxLength) {
    return { ok: false, error: `value may only be ${def.maxLength} characters long` };
  }
  if (def.minLength !== undefined && [...raw].length < def.minLength) {
    return { ok: false, error: `value must be at least ${def.minLength} characters long` };
  }
  if (NUMBER_RE.test(raw)) {
    const n = Number(raw);
    if (def.maximum !== undefined && n > def.maximum) {
      return { ok: false, error: `value must have a maximum value of ${def.maximum}` };
    }
    if (def.minimum !== undefined && n < def.minimum) {
      return { ok: false, error: `value must have a minimum value of ${def.minimum}` };
    }
  }
  if (def.enum !== undefined && !def.enum.includes(raw)) {
    return {
      ok: false,
      error: `value '${raw}' does not have a value in the enumeration '${def.enum.join(', ')}'`,
    };
  }
  return { ok: true, value };
}

const INDEXED_RE = /^(.*?)(\d+)$/;

function defFor(ep: EndpointDef, key: string): ParamDef | undefined {
  const direct = ep.params[key];
  if (direct) return direct;
  if (!ep.indexed) return undefined;
  const m = INDEXED_RE.exec(key);
  if (!m?.[1] || m[2] === undefined) return undefined;
  const family = ep.indexed[m[1]];
  if (!family) return undefined;
  // `net01` is not `net1`: Proxmox keys have no leading zeros.
  if (m[2].length > 1 && m[2].startsWith('0')) return undefined;
  return Number(m[2]) <= family.max ? family.def : undefined;
}

/**
 * Validates and coerces every parameter of one request.
 * @throws PveError 400 `Parameter verification failed.` with one text per failing parameter.
 */
export function validateParams(ep: EndpointDef, raw: RawParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const [key, values] of raw) {
    const def = defFor(ep, key);
    if (!def) {
      if (ep.additionalProperties === true) {
        out[key] = values.length === 1 ? values[0] : [...values];
      } else {
        errors[key] =
          'property is not defined in schema and the schema does not allow additional properties';
      }
      continue;
    }
    if (def.type === 'array') {
      const items: unknown[] = [];
      for (const v of values) {
        const r = def.items ? checkValue(def.items, v) : { ok: true as const, value: v };
        if (!r.ok) {
          errors[`${key}[${items.length}]`] = r.error;
          break;
        }
        items.push(r.value);
      }
      out[key] = items;
      continue;
    }
    // Repeated keys arrive as an array: RESTHandler's normalize_legacy_param_formats joins them
    // with ',' for `-list` formats; any other scalar type refuses an array.
    let joined: string;
    if (values.length === 1) {
      joined = values[0] ?? '';
    } else if (def.format?.endsWith('-list')) {
      joined = values.join(',');
    } else {
      errors[key] = `type check ('${def.type}') failed - got ARRAY`;
      continue;
    }
    const r = checkValue(def, joined);
    if (r.ok) out[key] = r.value;
    else errors[key] = r.error;
  }
  for (const [key, def] of Object.entries(ep.params)) {
    if (!def.optional && !raw.has(key) && errors[key] === undefined) {
      errors[key] = 'property is missing and it is not optional';
    }
  }
  if (Object.keys(errors).length > 0) {
    throw new PveError(400, 'Parameter verification failed.\n', errors);
  }
  return out;
}
