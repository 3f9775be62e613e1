// The ingest service's configuration: every environment variable, its default and its meaning.
import { ConfigError, loadConfig, type Config } from '@lrstream/runtime';
import { DEFAULT_CONNECTION_LIMITS, DEFAULT_LIMITS } from './limits.js';

export const INGEST_CONFIG = {
  kafkaBrokers: { type: 'list', env: 'KAFKA_BROKERS', doc: 'Kafka bootstrap servers, host:port,...' },
  schemaRegistryUrl: { type: 'url', env: 'SCHEMA_REGISTRY_URL', doc: 'Confluent-compatible schema registry' },
  host: { type: 'string', env: 'INGEST_HOST', default: '127.0.0.1', doc: 'HTTP listen address' },
  port: { type: 'int', env: 'INGEST_PORT', default: 18100, min: 0, max: 65535, doc: 'HTTP port (0: any)' },
  metricsPort: { type: 'int', env: 'METRICS_PORT', default: 19101, min: 0, max: 65535, doc: '/metrics port' },
  authFile: {
    type: 'string',
    env: 'INGEST_AUTH_FILE',
    doc: 'JSON list of {username, hash, scopes}; hashes from services/ingest/src/hash-secret.ts',
  },
  authCacheTtlMs: {
    type: 'int',
    env: 'INGEST_AUTH_CACHE_TTL_MS',
    default: 60_000,
    min: 0,
    doc: 'How long verified credentials are remembered',
  },
  authCacheMaxEntries: {
    type: 'int',
    env: 'INGEST_AUTH_CACHE_MAX_ENTRIES',
    default: 1000,
    min: 1,
    doc: 'Verified credentials remembered at most (oldest forgotten first)',
  },
  authMaxConcurrent: {
    type: 'int',
    env: 'INGEST_AUTH_MAX_CONCURRENT',
    default: 2,
    min: 1,
    max: 64,
    doc: 'scrypt verifications running at once (each uses a libuv thread and ~32 MiB)',
  },
  authMaxQueued: {
    type: 'int',
    env: 'INGEST_AUTH_MAX_QUEUED',
    default: 32,
    min: 0,
    doc: 'Verifications waiting for a slot; beyond it the request gets 503 + Retry-After',
  },
  headersTimeoutMs: {
    type: 'int',
    env: 'INGEST_HEADERS_TIMEOUT_MS',
    default: DEFAULT_CONNECTION_LIMITS.headersTimeoutMs,
    min: 100,
    doc: 'Time to receive the request headers (from connection or the first byte of a request)',
  },
  requestTimeoutMs: {
    type: 'int',
    env: 'INGEST_REQUEST_TIMEOUT_MS',
    default: DEFAULT_CONNECTION_LIMITS.requestTimeoutMs,
    min: 100,
    doc: 'Time to receive the whole request, headers and body (the slow-body guard); then 408',
  },
  keepAliveTimeoutMs: {
    type: 'int',
    env: 'INGEST_KEEP_ALIVE_TIMEOUT_MS',
    default: DEFAULT_CONNECTION_LIMITS.keepAliveTimeoutMs,
    min: 100,
    doc: 'Idle keep-alive connection lifetime between requests',
  },
  maxConnections: {
    type: 'int',
    env: 'INGEST_MAX_CONNECTIONS',
    default: DEFAULT_CONNECTION_LIMITS.maxConnections,
    min: 1,
    doc: 'Open HTTP connections; more are closed at once',
  },
  maxBodyBytes: {
    type: 'int',
    env: 'INGEST_MAX_BODY_BYTES',
    default: DEFAULT_LIMITS.maxBodyBytes,
    min: 1024,
    doc: 'Request body limit, compressed and decompressed',
  },
  maxStatements: {
    type: 'int',
    env: 'INGEST_MAX_STATEMENTS',
    default: DEFAULT_LIMITS.maxStatements,
    min: 1,
    doc: 'Statements per xAPI request',
  },
  maxEdxEvents: {
    type: 'int',
    env: 'INGEST_MAX_EDX_EVENTS',
    default: DEFAULT_LIMITS.maxEdxEvents,
    min: 1,
    doc: 'Events per edX request',
  },
  maxDepth: {
    type: 'int',
    env: 'INGEST_MAX_JSON_DEPTH',
    default: DEFAULT_LIMITS.maxDepth,
    min: 4,
    max: 1000,
    doc: 'JSON nesting depth of a body',
  },
  maxEventBytes: {
    type: 'int',
    env: 'INGEST_MAX_EVENT_BYTES',
    default: DEFAULT_LIMITS.maxEventBytes,
    min: 1024,
    doc: "One event's bytes (below the broker's message.max.bytes)",
  },
  kafkaSendTimeoutMs: {
    type: 'int',
    env: 'INGEST_KAFKA_SEND_TIMEOUT_MS',
    default: 10_000,
    min: 100,
    doc: 'Time to wait for Kafka acknowledgement before answering 503',
  },
  retryAfterSeconds: {
    type: 'int',
    env: 'INGEST_RETRY_AFTER_S',
    default: 5,
    min: 1,
    doc: 'Retry-After of a 503 answer',
  },
} as const;

export type IngestConfig = Config<typeof INGEST_CONFIG>;

export function loadIngestConfig(env: NodeJS.ProcessEnv): IngestConfig {
  const config = loadConfig(INGEST_CONFIG, env);
  // Node refuses to start an HTTP server whose headers timeout exceeds its request timeout.
  if (config.headersTimeoutMs > config.requestTimeoutMs)
    throw new ConfigError(
      `Invalid configuration:\n  - INGEST_HEADERS_TIMEOUT_MS (${config.headersTimeoutMs}) must not exceed ` +
        `INGEST_REQUEST_TIMEOUT_MS (${config.requestTimeoutMs})`,
    );
  return config;
}
