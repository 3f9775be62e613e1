// Structured JSON logs. One logger per process, bound to the service name; never log payloads.
import { destination as pinoDestination, pino, type Logger } from 'pino';

export type { Logger };

/**
 * `destination`: where lines go, stdout by default; a file descriptor (2: stderr, for commands whose
 * stdout is their output) or a file path (appended to).
 */
export function createLogger(
  bindings: { service: string; version?: string },
  level?: string,
  destination?: number | string,
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
  if (destination === undefined) return pino(options);
  return pino(
    options,
    pinoDestination({ dest: destination, sync: true, mkdir: typeof destination === 'string' }),
  );
}
