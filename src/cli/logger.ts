/** The process logger: pino JSON on stdout, or pino-pretty for people; secrets redacted everywhere. */
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { PVE_REDACT_PATHS } from '../pve/client.js';

/** `Bridge/personal drift corrected: …`, `[source] manifests ingested`, and an error's message. */
export function prettyMessage(log: Record<string, unknown>, messageKey: string): string {
  const raw = log[messageKey];
  const msg = typeof raw === 'string' ? raw : JSON.stringify(raw ?? '');
  const who =
    typeof log['kind'] === 'string' && typeof log['name'] === 'string'
      ? `${log['kind']}/${log['name']} `
      : typeof log['component'] === 'string'
        ? `[${log['component']}] `
        : '';
  const err = log['err'] as { message?: unknown } | undefined;
  const why = err && typeof err.message === 'string' ? ` — ${err.message}` : '';
  return `${who}${msg}${why}`;
}

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
        translateTime: 'SYS:HH:MM:ss',
        // One line per event, like `kubectl get -w`: time, level, the object, what happened.
        hideObject: true,
        ignore: 'pid,hostname,name', // `name` is the object's, already in the message
        messageFormat: prettyMessage,
        destination: opts.stream ?? process.stdout,
        sync: true,
      }),
    );
  }
  return pino(options, opts.stream ?? process.stdout);
}
