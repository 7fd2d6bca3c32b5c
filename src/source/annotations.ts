/**
 * Checks the `pxr/` annotations of a manifest. They change what pxr does (`pxr/prune: disabled` keeps
 * a removed object in Proxmox), so a typo must be an error, not a silent fallback to the default: a
 * mistyped `pxr/prune: Disabled` used to pass and the object was destroyed when its document went.
 * Values are case-sensitive; annotations outside `pxr/` are free-form and not checked.
 */
import {
  DRIFT_ANNOTATION,
  DRIFT_IGNORE_ANNOTATION,
  SUSPEND_ANNOTATION,
} from '../core/drift-policy.js';
import { PRUNE_ANNOTATION } from '../core/ingest.js';
import { closest } from './checks.js';

/** A dotted field path, as `pxr/drift-ignore` lists them: `bridge_ports`, `network.rate`, `a[0]`. */
const FIELD_RE = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+|\[\d+\])*$/;

interface AnnotationRule {
  /** The accepted values, or a check returning a message for a bad value. */
  values?: readonly string[];
  check?(value: string): string | undefined;
}

const RULES: Record<string, AnnotationRule> = {
  [DRIFT_ANNOTATION]: { values: ['correct', 'alert', 'ignore'] },
  [DRIFT_IGNORE_ANNOTATION]: {
    check: (value) => {
      const bad = value
        .split(',')
        .map((f) => f.trim())
        .filter((f) => f !== '' && !FIELD_RE.test(f));
      return bad.length === 0
        ? undefined
        : `'${bad.join("', '")}' ${bad.length === 1 ? 'is not a field' : 'are not fields'}: expected a comma-separated list of fields like 'bridge_ports, network.rate'`;
    },
  },
  [PRUNE_ANNOTATION]: { values: ['disabled'] },
  [SUSPEND_ANNOTATION]: { values: ['true', 'false'] },
};

/** The `pxr/` annotation keys pxr understands. */
export const KNOWN_ANNOTATIONS: readonly string[] = Object.keys(RULES);

export interface AnnotationIssue {
  /** The annotation key. */
  key: string;
  /** The problem is the key itself (unknown), not its value. */
  atKey: boolean;
  message: string;
}

export function annotationIssues(annotations: Record<string, string>): AnnotationIssue[] {
  const out: AnnotationIssue[] = [];
  for (const [key, value] of Object.entries(annotations)) {
    const rule = RULES[key];
    if (rule === undefined) {
      if (!key.startsWith('pxr/')) continue;
      const hint = closest(key, KNOWN_ANNOTATIONS);
      out.push({
        key,
        atKey: true,
        message:
          `unknown annotation '${key}'` +
          (hint ? `; did you mean '${hint}'?` : ` (known: ${KNOWN_ANNOTATIONS.join(', ')})`),
      });
      continue;
    }
    if (rule.values && !rule.values.includes(value)) {
      const hint = closest(value, rule.values);
      out.push({
        key,
        atKey: false,
        message:
          `invalid value '${value}' for ${key} ` +
          (rule.values.length === 1
            ? `(only '${rule.values[0]}' is accepted, case-sensitive; remove it for the default)`
            : `(one of ${rule.values.join(', ')}; case-sensitive)`) +
          (hint ? `; did you mean '${hint}'?` : ''),
      });
    }
    const problem = rule.check?.(value);
    if (problem !== undefined) out.push({ key, atKey: false, message: problem });
  }
  return out;
}
