// What every Kafka-to-Kafka stage service shares: its base configuration and its start-up wiring
// (logger, metrics, Kafka client, registry codec, topics, the stage loop, the metrics server).
import {
  createLogger,
  createMetricsRegistry,
  serveMetrics,
  type Logger,
  type Registry,
} from '@lrstream/runtime';
import type { TopicId } from '@lrstream/schemas';
import { createKafka } from './client.js';
import { createStageMetrics } from './metrics.js';
import { assertPipelineTopics } from './catalogue.js';
import { createSchemaCodec } from './registry.js';
import { runStage } from './stage.js';
import type { InputRecord, Outcome } from './stage-loop.js';

/** How a stage runtime retries and recovers; every consuming service (index too) has these. */
export const STAGE_RUNTIME_CONFIG = {
  retryBudgetMs: {
    type: 'int',
    env: 'RETRY_BUDGET_MS',
    default: 120_000,
    min: 1000,
    max: 86_400_000,
    doc: 'how long one batch may keep failing with retryable errors before its partition is paused',
  },
  stallProbeMs: {
    type: 'int',
    env: 'STALL_PROBE_MS',
    default: 30_000,
    min: 100,
    max: 3_600_000,
    doc: 'how long a paused partition waits before its batch is tried again',
  },
  unknownSchemaGraceMs: {
    type: 'int',
    env: 'UNKNOWN_SCHEMA_GRACE_MS',
    default: 60_000,
    min: 0,
    max: 3_600_000,
    doc: 'how long an input schema id unknown to the registry is retried before its records are dead-lettered',
  },
} as const;

export interface StageRuntimeConfig {
  retryBudgetMs: number;
  stallProbeMs: number;
  unknownSchemaGraceMs: number;
}

/** The runStage options that come from a service's STAGE_RUNTIME_CONFIG values. */
export function stageRuntimeOptions(config: StageRuntimeConfig) {
  return {
    retryBudgetMs: config.retryBudgetMs,
    stallProbeMs: config.stallProbeMs,
    unknownIdGraceMs: config.unknownSchemaGraceMs,
  };
}

/** The environment variables of every stage service; a service adds its own beside them. */
export function stageConfigSpec<S extends string>(service: S, metricsPort: number) {
  return {
    brokers: { type: 'list', env: 'KAFKA_BROKERS', doc: 'Kafka bootstrap servers, host:port,...' },
    registryUrl: { type: 'url', env: 'SCHEMA_REGISTRY_URL', doc: 'Confluent-compatible schema registry URL' },
    metricsPort: {
      type: 'int',
      env: 'METRICS_PORT',
      default: metricsPort,
      min: 0,
      max: 65535,
      doc: '/metrics, /healthz, /readyz port (0: any)',
    },
    groupId: { type: 'string', env: 'GROUP_ID', default: service, doc: 'consumer group (replicas share it)' },
    startFrom: {
      type: 'enum',
      env: 'START_FROM',
      values: ['earliest', 'latest'] as const,
      default: 'earliest',
      doc: 'where a consumer group without committed offsets starts',
    },
    logLevel: { type: 'string', env: 'LOG_LEVEL', default: 'info', doc: 'pino level' },
    ...STAGE_RUNTIME_CONFIG,
  } as const;
}

export interface StageServiceConfig extends StageRuntimeConfig {
  brokers: readonly string[];
  registryUrl: string;
  metricsPort: number;
  groupId: string;
  startFrom: 'earliest' | 'latest';
  logLevel: string;
}

export interface StageServiceSpec<T> {
  stage: string;
  input: TopicId;
  outputs: TopicId[];
  deadLetter: TopicId;
  process(records: InputRecord<T>[]): Promise<Outcome[]>;
  /** The service's metrics registry, when it registers metrics of its own beside the stage's. */
  registry?: Registry;
  /** Extra fields for the "started" log line (never secrets). */
  describe?: Record<string, unknown>;
}

export interface RunningService {
  log: Logger;
  ready(): boolean;
  metricsPort: number;
  stop(): Promise<void>;
}

export async function startStageService<T>(
  config: StageServiceConfig,
  spec: StageServiceSpec<T>,
): Promise<RunningService> {
  const log = createLogger({ service: spec.stage }, config.logLevel);
  const registry = spec.registry ?? createMetricsRegistry({ service: spec.stage });
  const metrics = createStageMetrics(spec.stage, registry);
  const kafka = createKafka({ brokers: [...config.brokers], clientId: `lrstream-${spec.stage}`, log });
  const codec = createSchemaCodec({ url: config.registryUrl });
  await assertPipelineTopics(kafka);
  const stage = await runStage<T>({
    stage: spec.stage,
    kafka,
    codec,
    log,
    metrics,
    groupId: config.groupId,
    startFrom: config.startFrom,
    input: spec.input,
    outputs: spec.outputs,
    deadLetter: spec.deadLetter,
    process: spec.process,
    ...stageRuntimeOptions(config),
  });
  const server = await serveMetrics(registry, {
    port: config.metricsPort,
    ready: stage.ready,
    healthy: stage.healthy,
  });
  log.info({ metricsPort: server.port, ...spec.describe }, `${spec.stage} started`);
  return {
    log,
    ready: stage.ready,
    metricsPort: server.port,
    stop: async () => {
      await stage.stop();
      await server.close();
    },
  };
}
