/**
 * Quoting for a POSIX shell. An ssh `exec` request carries one command string that the remote login
 * shell parses, so every argument pxr sends must survive exactly one round of shell parsing unchanged.
 */
import { PxrError } from '../../core/errors.js';

/**
 * Characters that no POSIX shell treats specially anywhere in a word, so no quotes are needed. `=` is
 * left out on purpose: a bare `A=b` as the first word would be an assignment, not a command.
 */
const SAFE = /^[A-Za-z0-9_@%+:,./-]+$/;

/**
 * Quotes one argument: left bare when it only holds safe characters (readable logs), otherwise wrapped
 * in single quotes, inside which nothing is special except `'` itself — written as `'\''`.
 * NUL cannot be passed in an argument at all, so it is refused rather than silently truncated.
 */
export function shellQuoteArg(arg: string): string {
  if (arg.includes('\0')) {
    throw new PxrError('SHELL_QUOTE_NUL', 'an argument for a remote command contains a NUL byte', {
      context: { length: arg.length },
    });
  }
  if (SAFE.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Joins `argv` into one command line that a POSIX shell splits back into exactly `argv`. */
export function shellQuote(argv: readonly string[]): string {
  if (argv.length === 0) {
    throw new PxrError('SHELL_QUOTE_EMPTY', 'cannot build a command line from an empty argv');
  }
  return argv.map(shellQuoteArg).join(' ');
}
