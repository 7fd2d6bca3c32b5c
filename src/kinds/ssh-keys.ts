/**
 * Key files are checked before use, so a wrong path (the API token file, a password file) is an error
 * naming the file — not its bytes sent to Proxmox as "public keys" or to ssh as a private key. The
 * checks never quote the content: a line number at most.
 */
import ssh2, { type ParsedKey } from 'ssh2';

const { utils } = ssh2;

/** The key parsed from `text` (the first of a PPK bundle), or undefined when it is none. */
function parse(text: string): ParsedKey | Error | undefined {
  const parsed = utils.parseKey(text);
  if (parsed instanceof Error) return parsed;
  return Array.isArray(parsed) ? (parsed as ParsedKey[])[0] : parsed;
}

/** Why `text` is not an unencrypted SSH private key, or undefined when it is one. */
export function privateKeyProblem(text: string): string | undefined {
  const key = parse(text);
  if (key instanceof Error) {
    return /passphrase/i.test(key.message)
      ? 'is a passphrase-protected key (pxr needs one without a passphrase)'
      : 'is not an SSH private key';
  }
  return key?.isPrivateKey() ? undefined : 'is a public key, not a private key';
}

/** The lines of an authorized_keys-style file that are not public keys (blank lines and # comments skipped). */
export function badPublicKeyLines(text: string): number[] {
  const bad: number[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const key = parse(line);
    if (key instanceof Error || !key || key.isPrivateKey()) bad.push(i + 1);
  });
  return bad;
}

/** `lines 3, 4` / `line 3`, at most five numbers: enough to find them, short enough for an event. */
export function describeLines(lines: number[]): string {
  const shown = lines.slice(0, 5).join(', ') + (lines.length > 5 ? ', …' : '');
  return `${lines.length === 1 ? 'line' : 'lines'} ${shown}`;
}
