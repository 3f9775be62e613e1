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

/** The HTTP server's connection limits: what a slow or greedy client may hold, and for how long. */
export interface ConnectionLimits {
  /** Headers must arrive within this time of the connection (or of a kept-alive request's first byte). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this time: the slow-body guard (408). */
  requestTimeoutMs: number;
  /** An idle kept-alive connection is closed after this time. */
  keepAliveTimeoutMs: number;
  /** Open connections; the server closes any more at once. */
  maxConnections: number;
}

/** A 5 MiB body within 30 s needs ~175 KB/s; a trickling client holds a connection 30 s at most. */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 512,
});
