/**
 * What every command shares: the process's I/O as the composition root hands it down, the options
 * every command takes, and argument parsing that turns a mistake into one clear line.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from './config.js';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
  cwd: string;
}

export const COMMON_OPTIONS = {
  db: { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: O,
): ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new ConfigError((err as Error).message.split('\n')[0] ?? 'bad arguments');
  }
}
