import type { ConfigSpec } from '@lrstream/runtime';

export const ANONYMIZE_CONFIG = {
  brokers: { type: 'list', env: 'KAFKA_BROKERS', doc: 'Kafka bootstrap servers, host:port,...' },
  registryUrl: { type: 'url', env: 'SCHEMA_REGISTRY_URL', doc: 'Confluent-compatible schema registry URL' },
  metricsPort: {
    type: 'int',
    env: 'METRICS_PORT',
    default: 19104,
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
    default: 'anonymize',
    doc: 'consumer group (replicas share it)',
  },
  keyFile: {
    type: 'string',
    env: 'ANONYMIZE_KEY_FILE',
    default: '',
    doc: 'file holding the pseudonymisation secret (preferred over ANONYMIZE_KEY)',
  },
  key: {
    type: 'string',
    env: 'ANONYMIZE_KEY',
    default: '',
    doc: 'the pseudonymisation secret (at least 16 bytes)',
    secret: true,
  },
  keyId: {
    type: 'string',
    env: 'ANONYMIZE_KEY_ID',
    default: 'k1',
    doc: 'id of the key, recorded with each statement',
  },
  keyRingFile: {
    type: 'string',
    env: 'ANONYMIZE_KEYRING_FILE',
    default: '',
    doc: 'key ring file {"active": "<id>", "keys": {"<id>": "<secret>"}} (overrides ANONYMIZE_KEY_FILE/ANONYMIZE_KEY/ANONYMIZE_KEY_ID)',
  },
  policy: {
    type: 'string',
    env: 'ANONYMIZE_POLICY',
    default: 'pseudonymize',
    doc: 'built-in privacy preset (deploy/privacy/<name>.json): pseudonymize or anonymize',
  },
  policyFile: {
    type: 'string',
    env: 'ANONYMIZE_POLICY_FILE',
    default: '',
    doc: 'privacy policy file (JSON, policyFormat 1); overrides ANONYMIZE_POLICY',
  },
  logLevel: { type: 'string', env: 'LOG_LEVEL', default: 'info', doc: 'pino level' },
} as const satisfies ConfigSpec;
