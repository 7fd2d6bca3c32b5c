/**
 * Identity of what pxr writes to pve-firewall. Rules have no identity in Proxmox but their position,
 * so each pxr rule carries `pxr:<policy>/<rule>` at the start of its comment (the user's comment
 * follows after a space). Groups, IP sets and aliases have a name; their comment carries
 * `pxr:<policy>` to say which policy owns them.
 */

export interface RuleMark {
  policy: string;
  rule: string;
  /** The user's part of the comment (after the marker). */
  note?: string;
}

const RULE_MARK = /^pxr:([^\s/]+)\/(\S+)(?: (.*))?$/s;
const OWNER_MARK = /^pxr:([^\s/]+)(?: (.*))?$/s;

export function ruleComment(policy: string, rule: string, note?: string): string {
  const n = note?.trim();
  return n ? `pxr:${policy}/${rule} ${n}` : `pxr:${policy}/${rule}`;
}

export function parseRuleComment(comment: unknown): RuleMark | undefined {
  if (typeof comment !== 'string') return undefined;
  const m = RULE_MARK.exec(comment.trim());
  if (!m) return undefined;
  const out: RuleMark = { policy: m[1]!, rule: m[2]! };
  if (m[3]) out.note = m[3];
  return out;
}

export function ownerComment(policy: string, note?: string): string {
  const n = note?.trim();
  return n ? `pxr:${policy} ${n}` : `pxr:${policy}`;
}

/** The policy owning a group, IP set or alias, from its comment. */
export function ownerOf(comment: unknown): string | undefined {
  if (typeof comment !== 'string') return undefined;
  const m = OWNER_MARK.exec(comment.trim());
  return m ? m[1] : undefined;
}
