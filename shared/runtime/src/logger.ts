// Structured JSON logs. One logger per process, bound to the service name; never log payloads.
import { destination as pinoDestination, pino, type Logger } from 'pino';

export type { Logger };

/**
 * Where lines go: stdout by default; a file descriptor (2: stderr, for commands whose stdout is
 * their output) or a file path (appended to). `{ toStderr: true }` is the same as 2.
 */
export type LogDestination = number | string | { toStderr?: boolean };

export function createLogger(
  bindings: { service: string; version?: string },
  level?: string,
  destination?: LogDestination,
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
  const dest = typeof destination === 'object' ? (destination.toStderr ? 2 : undefined) : destination;
  if (dest === undefined) return pino(options);
  return pino(options, pinoDestination({ dest, sync: true, mkdir: typeof dest === 'string' }));
}
