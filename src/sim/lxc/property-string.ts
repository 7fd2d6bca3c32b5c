/**
 * Proxmox property strings (`name=eth0,bridge=vmbr0,...`), parsed and printed the way pve-common's
 * `PVE::JSONSchema::parse_property_string` / `print_property_string` do: the default key may be
 * given without `key=`, booleans are normalised to 0/1, and printing emits the default key first
 * (bare), then the required keys, then the rest, each group sorted alphabetically. See FACTS §3.
 */
import { checkFormat, hasFormat } from '../formats.js';

export interface PropKey {
  type: 'string' | 'integer' | 'number' | 'boolean';
  optional?: boolean;
  /** The key a bare value (`local-lvm:4`) belongs to. */
  defaultKey?: boolean;
  /** `disk-size` values are re-printed by {@link formatSize}. */
  format?: string;
  enum?: readonly string[];
  pattern?: RegExp;
  minimum?: number;
  maximum?: number;
  /** Documentation only (the schema's default); parsing never fills it in. */
  default?: string | number;
}

export type PropFormat = Readonly<Record<string, PropKey>>;

/** A parsed property string: values as Proxmox keeps them (booleans and integers as numbers). */
export type PropValues = Record<string, string | number>;

/** Thrown for an invalid property string; the message is what Proxmox would `die` with. */
export class PropertyStringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PropertyStringError';
  }
}

const TRUE_RE = /^(1|on|yes|true)$/i;
const FALSE_RE = /^(0|off|no|false)$/i;

/** PVE::JSONSchema::parse_boolean */
export function parseBoolean(v: string): 0 | 1 | undefined {
  if (TRUE_RE.test(v)) return 1;
  if (FALSE_RE.test(v)) return 0;
  return undefined;
}

/** PVE::JSONSchema::parse_size: `4G` -> bytes; undefined when it is not a size. */
export function parseSize(value: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGT](?:iB)?)?$/.exec(value);
  if (!m?.[1]) return undefined;
  const unit = m[2]?.[0];
  const mult =
    unit === 'K'
      ? 1024
      : unit === 'M'
        ? 1024 ** 2
        : unit === 'G'
          ? 1024 ** 3
          : unit === 'T'
            ? 1024 ** 4
            : 1;
  return Math.trunc(Number(m[1]) * mult);
}

/** PVE::JSONSchema::format_size: bytes -> the largest exact unit (`4294967296` -> `4G`). */
export function formatSize(size: number): string {
  const s = Math.trunc(size);
  const kb = Math.trunc(s / 1024);
  if (kb * 1024 !== s) return String(s);
  const mb = Math.trunc(kb / 1024);
  if (mb * 1024 !== kb) return `${kb}K`;
  const gb = Math.trunc(mb / 1024);
  if (gb * 1024 !== mb) return `${mb}M`;
  const tb = Math.trunc(gb / 1024);
  if (tb * 1024 !== gb) return `${gb}G`;
  return `${tb}T`;
}

function defaultKeyOf(format: PropFormat): string | undefined {
  return Object.keys(format).find((k) => format[k]?.defaultKey === true);
}

function checkKey(key: string, def: PropKey, raw: string): string | number {
  switch (def.type) {
    case 'boolean': {
      const b = parseBoolean(raw);
      if (b === undefined)
        throw new PropertyStringError(`${key}: type check ('boolean') failed - got '${raw}'`);
      return b;
    }
    case 'integer': {
      if (!/^[+-]?\d+$/.test(raw))
        throw new PropertyStringError(`${key}: type check ('integer') failed - got '${raw}'`);
      const n = Number(raw);
      checkRange(key, def, n);
      return n;
    }
    case 'number': {
      if (!/^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?$/.test(raw))
        throw new PropertyStringError(`${key}: type check ('number') failed - got '${raw}'`);
      checkRange(key, def, Number(raw));
      // Perl keeps the text of a number it never did arithmetic on.
      return raw;
    }
    default:
      if (def.enum && !def.enum.includes(raw))
        throw new PropertyStringError(
          `${key}: value '${raw}' does not have a value in the enumeration '${def.enum.join(', ')}'`,
        );
      if (def.pattern && !new RegExp(`^(?:${def.pattern.source})$`).test(raw))
        throw new PropertyStringError(`${key}: value does not match the regex pattern`);
      if (def.format === 'disk-size' && parseSize(raw) === undefined)
        throw new PropertyStringError(`${key}: value does not look like a valid disk size: ${raw}`);
      if (def.format !== undefined && def.format !== 'disk-size' && hasFormat(def.format)) {
        const err = checkFormat(def.format, raw);
        if (err !== undefined)
          throw new PropertyStringError(`${key}: invalid format - ${err.trimEnd()}`);
      }
      return raw;
  }
}

function checkRange(key: string, def: PropKey, n: number): void {
  if (def.maximum !== undefined && n > def.maximum)
    throw new PropertyStringError(`${key}: value must have a maximum value of ${def.maximum}`);
  if (def.minimum !== undefined && n < def.minimum)
    throw new PropertyStringError(`${key}: value must have a minimum value of ${def.minimum}`);
}

/**
 * Parses `text` against `format`.
 * @throws PropertyStringError with pve-common's message for unknown/duplicate/missing keys.
 */
export function parsePropertyString(format: PropFormat, text: string): PropValues {
  const res: PropValues = {};
  let defaultKey: string | undefined;
  for (const part of text.split(',')) {
    if (/^\s*$/.test(part)) continue;
    const kv = /^([^=]+)=(.+)$/.exec(part);
    if (kv?.[1] !== undefined && kv[2] !== undefined) {
      const [, k, v] = kv;
      if (res[k] !== undefined)
        throw new PropertyStringError(`duplicate key in comma-separated list property: ${k}`);
      const def = format[k];
      if (!def) throw new PropertyStringError(`invalid key in comma-separated list property: ${k}`);
      res[k] = checkKey(k, def, v);
    } else if (!part.includes('=')) {
      if (defaultKey !== undefined)
        throw new PropertyStringError(
          `duplicate key in comma-separated list property: ${defaultKey}`,
        );
      defaultKey = defaultKeyOf(format);
      if (defaultKey === undefined)
        throw new PropertyStringError(
          'value without key, but schema does not define a default key',
        );
      if (res[defaultKey] !== undefined)
        throw new PropertyStringError(
          `duplicate key in comma-separated list property: ${defaultKey}`,
        );
      const def = format[defaultKey];
      if (def) res[defaultKey] = checkKey(defaultKey, def, part);
    } else {
      throw new PropertyStringError('missing key in comma-separated list property');
    }
  }
  for (const [k, def] of Object.entries(format)) {
    if (def.optional !== true && res[k] === undefined)
      throw new PropertyStringError(`${k}: property is missing and it is not optional`);
  }
  return res;
}

/**
 * Prints `data` in Proxmox's key order. Keys listed in `skip` are left out (e.g. `mp` for rootfs).
 * @throws PropertyStringError for a key the format does not know or a value containing a comma.
 */
export function printPropertyString(
  data: PropValues,
  format: PropFormat,
  skip: readonly string[] = [],
): string {
  const out: string[] = [];
  const done = new Set(skip);
  const add = (key: string, bare: boolean): void => {
    if (done.has(key)) return;
    done.add(key);
    const value = data[key];
    if (value === undefined) return;
    const def = format[key];
    if (!def) throw new PropertyStringError(`invalid key '${key}'`);
    let text: string;
    if (def.format === 'disk-size') {
      text = formatSize(typeof value === 'number' ? value : (parseSize(value) ?? 0));
    } else {
      text = String(value);
      if (text.includes(',')) throw new PropertyStringError(`illegal value with commas for ${key}`);
    }
    out.push(bare ? text : `${key}=${text}`);
  };
  const dk = defaultKeyOf(format);
  if (dk !== undefined) add(dk, true);
  const keys = Object.keys(data).sort();
  for (const k of keys) if (format[k] && format[k].optional !== true) add(k, false);
  for (const k of keys) add(k, false);
  return out.join(',');
}
