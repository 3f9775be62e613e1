// Request limits: every one has an env variable (see config.ts) and a clear 4xx when crossed.
export interface IngestLimits {
  /** Request body, compressed or not (bytes). */
  maxBodyBytes: number;
  /** Statements per xAPI request. */
  maxStatements: number;
  /** Events (non-blank lines or array items) per edX request. */
  maxEdxEvents: number;
  /** JSON nesting depth of a body (an array of statements counts one level). */
  maxDepth: number;
  /** One event's bytes: Kafka refuses records over message.max.bytes (1 MiB by default). */
  maxEventBytes: number;
}

export const DEFAULT_LIMITS: IngestLimits = Object.freeze({
  maxBodyBytes: 5 * 1024 * 1024,
  maxStatements: 1000,
  maxEdxEvents: 10_000,
  maxDepth: 32,
  maxEventBytes: 900 * 1024,
});
