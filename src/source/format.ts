/** Renders source issues the way compilers do, so editors and CI logs can jump to them. */
import { posix } from 'node:path';
import type { SourceIssue } from './types.js';

/**
 * `manifests/net.yaml:12:7: Bridge/lan spec.iface: invalid interface name ...`. `dir` (as the user
 * typed it) is prefixed to the file, which is relative to the manifests root.
 */
export function formatIssue(issue: SourceIssue, dir?: string): string {
  const file =
    dir === undefined || dir === '' || dir === '.' ? issue.file : posix.join(dir, issue.file);
  const who = issue.kind !== undefined ? `${issue.kind}/${issue.name ?? '?'} ` : '';
  const field = issue.field !== '' ? `${issue.field}: ` : '';
  const head = who !== '' || field !== '' ? ` ${who}${field}` : ' ';
  return `${file}:${issue.line}:${issue.column}:${head}${issue.message}`.replace(/ {2,}/g, ' ');
}
