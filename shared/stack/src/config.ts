// Where the local stack lives and which ports it uses. Everything is configurable through
// environment variables; defaults avoid the standard ports so a developer's own Kafka or
// Elasticsearch is never touched.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VERSIONS = {
  kafka: '3.9.1',
  apicurio: '3.0.9',
  elasticsearch: '8.19.21',
  s3proxy: '2.6.0',
  mavenDependencyPlugin: '3.8.1',
  mavenInstallPlugin: '3.1.3',
} as const;

/** Metrics ports of the lrstream services, scraped by the stack's Prometheus. */
export const SERVICE_METRICS_PORTS = {
  ingest: 19101,
  validate: 19102,
  convert: 19103,
  anonymize: 19104,
  index: 19105,
  archive: 19106,
  // lrstream replay commands, while they run.
  replay: 19107,
  // For tests and tools that expose metrics of their own.
  extra: 19110,
} as const;

export type ServiceMetricsPorts = { [K in keyof typeof SERVICE_METRICS_PORTS]: number };

/**
 * The service metrics ports of a stack: the defaults, or consecutive ports from
 * LRSTREAM_SERVICE_METRICS_PORT_BASE (ingest, validate, convert, anonymize, index, archive, replay;
 * extra = base + 9),
 * so a second stack and its demo can run beside the first.
 */
export function serviceMetricsPorts(base: number): ServiceMetricsPorts {
  return {
    ingest: base,
    validate: base + 1,
    convert: base + 2,
    anonymize: base + 3,
    index: base + 4,
    archive: base + 5,
    replay: base + 6,
    extra: base + 9,
  };
}

export interface StackConfig {
  repoRoot: string;
  /** Data, logs, pid files and generated configuration: deleted by `down --wipe`. */
  stateDir: string;
  /** Downloads and unpacked distributions: kept across wipes, never re-downloaded. */
  cacheDir: string;
  host: string;
  ports: {
    kafka: number;
    kafkaController: number;
    registry: number;
    elasticsearch: number;
    elasticsearchTransport: number;
    prometheus: number;
    s3: number;
  };
  /** Where the stack's Prometheus scrapes the services, and where the demo runs them. */
  serviceMetricsPorts: ServiceMetricsPorts;
  registryStorage: 'memory' | 'file';
  /** Heap sizes: small, a laptop or a 2-core CI machine runs all of it with the pipeline. */
  heap: { kafka: string; registry: string; elasticsearch: string };
  /** System user Elasticsearch runs as when we are root (it refuses to run as root). */
  elasticsearchUser: string;
  javaHome: string | undefined;
}

const repoRootDefault = resolve(fileURLToPath(new URL('../../../', import.meta.url)));

export function loadStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const problems: string[] = [];
  const port = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1 || value > 65535) {
      problems.push(`${name} must be a TCP port (1-65535), got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const storage = env.LRSTREAM_REGISTRY_STORAGE || 'file';
  if (storage !== 'memory' && storage !== 'file') {
    problems.push(`LRSTREAM_REGISTRY_STORAGE must be "memory" or "file", got "${storage}"`);
  }
  const repoRoot = env.LRSTREAM_REPO_ROOT ?? repoRootDefault;
  const config: StackConfig = {
    repoRoot,
    stateDir: resolve(env.LRSTREAM_STACK_DIR ?? join(repoRoot, '.stack')),
    cacheDir: resolve(env.LRSTREAM_CACHE_DIR ?? defaultCacheDir(env)),
    host: '127.0.0.1',
    ports: {
      kafka: port('LRSTREAM_KAFKA_PORT', 19092),
      kafkaController: port('LRSTREAM_KAFKA_CONTROLLER_PORT', 19093),
      registry: port('LRSTREAM_REGISTRY_PORT', 18081),
      elasticsearch: port('LRSTREAM_ELASTICSEARCH_PORT', 19200),
      elasticsearchTransport: port('LRSTREAM_ELASTICSEARCH_TRANSPORT_PORT', 19300),
      prometheus: port('LRSTREAM_PROMETHEUS_PORT', 19090),
      s3: port('LRSTREAM_S3_PORT', 19900),
    },
    serviceMetricsPorts: serviceMetricsPorts(
      Math.min(port('LRSTREAM_SERVICE_METRICS_PORT_BASE', SERVICE_METRICS_PORTS.ingest), 65526),
    ),
    registryStorage: storage === 'memory' ? 'memory' : 'file',
    heap: {
      kafka: env.LRSTREAM_KAFKA_HEAP ?? '512m',
      registry: env.LRSTREAM_REGISTRY_HEAP ?? '384m',
      elasticsearch: env.LRSTREAM_ELASTICSEARCH_HEAP ?? '768m',
    },
    elasticsearchUser: env.LRSTREAM_ELASTICSEARCH_USER ?? 'lrstream-es',
    javaHome: env.JAVA_HOME,
  };
  if (problems.length > 0) {
    throw new Error(`Invalid local stack configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return config;
}

/** The environment contract every service and test uses to reach the infrastructure. */
export interface StackEnv {
  KAFKA_BROKERS: string;
  SCHEMA_REGISTRY_URL: string;
  ELASTICSEARCH_URL: string;
  PROMETHEUS_URL: string;
  /** S3Proxy, the stack's S3-compatible object store (the archive's S3 backend). */
  S3_ENDPOINT?: string;
  S3_BUCKET?: string;
  /** JSON {accessKeyId, secretAccessKey}, generated at the first `up` (mode 0600): never printed. */
  S3_CREDENTIALS_FILE?: string;
}

/** The bucket the local stack's S3Proxy holds for the archive. */
export const S3_BUCKET = 'lrstream-archive';

/** Where the local stack keeps its S3 credentials. */
export const s3CredentialsFile = (config: StackConfig): string =>
  join(config.stateDir, 'secrets', 's3-credentials.json');

export function stackEnv(config: StackConfig): StackEnv {
  const h = config.host;
  return {
    KAFKA_BROKERS: `${h}:${config.ports.kafka}`,
    SCHEMA_REGISTRY_URL: `http://${h}:${config.ports.registry}/apis/ccompat/v7`,
    ELASTICSEARCH_URL: `http://${h}:${config.ports.elasticsearch}`,
    PROMETHEUS_URL: `http://${h}:${config.ports.prometheus}`,
    S3_ENDPOINT: `http://${h}:${config.ports.s3}`,
    S3_BUCKET,
    S3_CREDENTIALS_FILE: s3CredentialsFile(config),
  };
}

/**
 * Root's home is private, and Elasticsearch (which refuses root) must read its distribution from
 * the cache: as root the cache is a system folder, otherwise the user's XDG cache.
 */
function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  if (process.getuid?.() === 0) return '/var/cache/lrstream';
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'lrstream');
}
