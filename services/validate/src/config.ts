import type { ConfigSpec } from '@lrstream/runtime';

export const VALIDATE_CONFIG = {
  brokers: { type: 'list', env: 'KAFKA_BROKERS', doc: 'Kafka bootstrap servers, host:port,...' },
  registryUrl: { type: 'url', env: 'SCHEMA_REGISTRY_URL', doc: 'Confluent-compatible schema registry URL' },
  metricsPort: {
    type: 'int',
    env: 'METRICS_PORT',
    default: 19102,
    min: 0,
    max: 65535,
    doc: '/metrics, /healthz, /readyz port',
  },
  startFrom: {
    type: 'enum',
    env: 'START_FROM',
    values: ['earliest', 'latest'],
    default: 'earliest',
    doc: 'where a consumer group without committed offsets starts',
  },
  groupId: {
    type: 'string',
    env: 'GROUP_ID',
    default: 'validate',
    doc: 'consumer group (replicas share it)',
  },
  edxMode: {
    type: 'enum',
    env: 'EDX_VALIDATION_MODE',
    values: ['strict', 'lenient'],
    default: 'lenient',
    doc: 'strict rejects unknown fields as Ralph does; lenient allows fields newer Open edX releases add',
  },
  unknownEdx: {
    type: 'enum',
    env: 'EDX_UNKNOWN_TYPES',
    values: ['pass', 'dead-letter'],
    default: 'pass',
    doc: 'edX event types without a model: pass to convert (counted there) or dead-letter',
  },
  logLevel: { type: 'string', env: 'LOG_LEVEL', default: 'info', doc: 'pino level' },
} as const satisfies ConfigSpec;
