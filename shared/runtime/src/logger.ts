// Structured JSON logs. One logger per process, bound to the service name; never log payloads.
import { destination, pino, type Logger } from 'pino';

export type { Logger };

/** `toStderr`: for command-line tools whose standard output is their result. */
export function createLogger(
  bindings: { service: string; version?: string },
  level?: string,
  options: { toStderr?: boolean } = {},
): Logger {
  const settings = {
    level: level ?? process.env.LOG_LEVEL ?? 'info',
    base: { service: bindings.service, ...(bindings.version ? { version: bindings.version } : {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Defence in depth: even if a caller logs an object holding these, they are not written.
    redact: {
      paths: ['payload', 'statement', 'event', 'value', '*.payload', '*.statement'],
      censor: '[redacted]',
    },
  };
  return options.toStderr ? pino(settings, destination(2)) : pino(settings);
}
