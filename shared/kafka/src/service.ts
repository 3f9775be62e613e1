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
  } as const;
}

export interface StageServiceConfig {
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
