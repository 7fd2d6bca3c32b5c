/** The process logger: pino JSON on stdout, or pino-pretty for people; secrets redacted everywhere. */
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { PVE_REDACT_PATHS } from '../pve/client.js';

export function createLogger(opts: {
  level: string;
  pretty: boolean;
  stream?: NodeJS.WritableStream;
}): Logger {
  const options = {
    level: opts.level,
    base: { app: 'pxr' },
    redact: {
      paths: [...PVE_REDACT_PATHS, 'password', '*.password', 'secret', '*.secret'],
      censor: '[redacted]',
    },
    serializers: { err: pino.stdSerializers.err },
  };
  if (opts.pretty) {
    return pino(
      options,
      pretty({
        colorize: process.stdout.isTTY === true,
        ignore: 'pid,hostname,app',
        translateTime: 'SYS:HH:MM:ss.l',
        destination: opts.stream ?? process.stdout,
        sync: true,
      }),
    );
  }
  return pino(options, opts.stream ?? process.stdout);
}
