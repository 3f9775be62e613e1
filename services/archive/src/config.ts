// The archive service's configuration: Kafka and the registry (as every consuming service), which
// topics to archive, when an object is closed, and the store (shared with `lrstream replay archive`).
import { ARCHIVE_STORE_CONFIG } from '@lrstream/archive';
import type { ConfigSpec } from '@lrstream/runtime';

export const ARCHIVE_CONFIG = {
  brokers: { type: 'list', env: 'KAFKA_BROKERS', doc: 'Kafka bootstrap servers, host:port,...' },
  registryUrl: { type: 'url', env: 'SCHEMA_REGISTRY_URL', doc: 'Confluent-compatible schema registry URL' },
  metricsPort: {
    type: 'int',
    env: 'METRICS_PORT',
    default: 19106,
    min: 0,
    max: 65535,
    doc: '/metrics, /healthz, /readyz port (0: any)',
  },
  groupId: {
    type: 'string',
    env: 'GROUP_ID',
    default: 'archive',
    doc: 'consumer group; its commits follow the archive (for lag), the store decides where it resumes',
  },
  startFrom: {
    type: 'enum',
    env: 'START_FROM',
    values: ['earliest', 'latest'] as const,
    default: 'earliest',
    doc: 'where a partition the store holds nothing of starts: its oldest retained record or its end',
  },
  logLevel: { type: 'string', env: 'LOG_LEVEL', default: 'info', doc: 'pino level' },
  topics: {
    type: 'list',
    env: 'ARCHIVE_TOPICS',
    default: ['raw'],
    doc: 'catalogue ids of the topics to archive: raw (default) and/or xapiAnonymized',
  },
  maxRecords: {
    type: 'int',
    env: 'ARCHIVE_MAX_RECORDS',
    default: 50_000,
    min: 1,
    max: 10_000_000,
    doc: 'records per object at most',
  },
  maxBytes: {
    type: 'int',
    env: 'ARCHIVE_MAX_BYTES',
    default: 64 * 1024 * 1024,
    min: 1024,
    max: 1024 * 1024 * 1024,
    doc: 'uncompressed NDJSON bytes per object at most',
  },
  flushIntervalMs: {
    type: 'int',
    env: 'ARCHIVE_FLUSH_INTERVAL_MS',
    default: 60_000,
    min: 100,
    max: 3_600_000,
    doc: 'an open object is written once it has been open this long (so also after that long without records)',
  },
  retryBudgetMs: {
    type: 'int',
    env: 'RETRY_BUDGET_MS',
    default: 120_000,
    min: 1000,
    max: 86_400_000,
    doc: 'how long a write to the store is retried before the consumer restarts from the store',
  },
  ...ARCHIVE_STORE_CONFIG,
} as const satisfies ConfigSpec;

/** Topics that may be archived: the raw topic and, optionally, the anonymized one. */
export const ARCHIVABLE_TOPICS = ['raw', 'xapiAnonymized'] as const;
export type ArchivableTopic = (typeof ARCHIVABLE_TOPICS)[number];
