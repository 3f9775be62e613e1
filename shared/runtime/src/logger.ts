// Structured JSON logs. One logger per process, bound to the service name; never log payloads.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(
  bindings: { service: string; version?: string },
  level?: string,
  /** Where lines go (default stdout); a command whose stdout is its result logs to stderr. */
  destination?: NodeJS.WritableStream,
): Logger {
  const options = {
    level: level ?? process.env.LOG_LEVEL ?? 'info',
    base: { service: bindings.service, ...(bindings.version ? { version: bindings.version } : {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Defence in depth: even if a caller logs an object holding these, they are not written.
    redact: {
      paths: ['payload', 'statement', 'event', 'value', '*.payload', '*.statement'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
