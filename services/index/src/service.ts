// The index service: anonymized statements -> Elasticsearch (and, optionally, identified statements
// -> a short-retention store). startIndex() is what main.ts, the CLI and the e2e tests start.
import {
  createKafka,
  createSchemaCodec,
  assertPipelineTopics,
  createStageMetrics,
  runStage,
  stageRuntimeOptions,
  type RunningStage,
} from '@lrstream/kafka';
import {
  createLogger,
  createMetricsRegistry,
  loadConfig,
  serveMetrics,
  type Logger,
} from '@lrstream/runtime';
import type { XapiAnonymized, XapiStatement } from '@lrstream/schemas';
import { INDEX_CONFIG } from './config.js';
import { bulkWith, createElasticsearch, waitForElasticsearch } from './elasticsearch.js';
import { createIndexMetrics } from './metrics.js';
import { deleteExpiredIndices } from './retention.js';
import { createSink } from './sink.js';
import { anonymizedStore, identifiedStore } from './stores.js';
import { generationRoot } from './generation.js';
import {
  assertIndexPrefix,
  ensureGenerationTemplate,
  ensureTemplate,
  loadTemplateFile,
  templateFor,
} from './template.js';

const DAY_MS = 86_400_000;

export interface IndexService {
  log: Logger;
  metricsPort: number;
  ready(): boolean;
  stop(): Promise<void>;
}

export async function startIndex(env: NodeJS.ProcessEnv = process.env): Promise<IndexService> {
  const config = loadConfig(INDEX_CONFIG, env);
  assertIndexPrefix(config.indexPrefix, 'INDEX_PREFIX');
  if (config.identified) assertIndexPrefix(config.identifiedPrefix, 'INDEX_IDENTIFIED_PREFIX');
  const log = createLogger({ service: 'index' }, config.logLevel);
  const registry = createMetricsRegistry({ service: 'index' });
  const metrics = createIndexMetrics(registry);
  const kafka = createKafka({ brokers: config.brokers, clientId: 'lrstream-index', log });
  const codec = createSchemaCodec({ url: config.registryUrl });
  const es = createElasticsearch({ url: config.elasticsearchUrl, requestTimeoutMs: config.requestTimeoutMs });
  await assertPipelineTopics(kafka);
  await waitForElasticsearch(es, config.startupTimeoutMs, log);

  const file = loadTemplateFile();
  const limits = { maxDocs: config.bulkMaxDocs, maxBytes: config.bulkMaxBytes };
  const bulk = bulkWith(es);
  const stages: RunningStage[] = [];
  const closers: (() => Promise<void>)[] = [];
  try {
    const generation = config.generation;
    await ensureGenerationTemplate(es, file, {
      alias: config.indexPrefix,
      generation,
      group: config.groupId,
      replicas: config.replicas,
      log,
    });
    stages.push(
      await runStage<XapiAnonymized>({
        stage: 'index',
        kafka,
        codec,
        log,
        metrics: createStageMetrics('index', registry),
        groupId: config.groupId,
        startFrom: config.startFrom,
        input: 'xapiAnonymized',
        outputs: [],
        deadLetter: 'deadLetterAnonymized',
        process: createSink({
          ...anonymizedStore(generationRoot(config.indexPrefix, generation)),
          bulk,
          limits,
          metrics,
          log,
        }),
        ...stageRuntimeOptions(config),
      }),
    );

    if (config.identified) {
      const prefix = config.identifiedPrefix;
      await ensureTemplate(es, templateFor(file, { prefix, replicas: config.replicas }));
      const cleanup = async () => {
        try {
          const deleted = await deleteExpiredIndices(es, prefix, config.identifiedRetentionDays);
          metrics.expiredIndicesDeleted.inc({ store: 'identified' }, deleted.length);
          if (deleted.length > 0) log.info({ deleted }, 'Deleted expired identified indices.');
        } catch (err) {
          log.warn(
            { err: { message: (err as Error).message } },
            'Retention cleanup failed; next try in a day.',
          );
        }
      };
      await cleanup();
      const timer = setInterval(() => void cleanup(), DAY_MS);
      timer.unref();
      closers.push(async () => clearInterval(timer));
      stages.push(
        await runStage<XapiStatement>({
          stage: 'index',
          kafka,
          codec,
          log,
          metrics: createStageMetrics('index_identified', registry),
          groupId: config.identifiedGroupId,
          startFrom: config.startFrom,
          input: 'xapiIdentified',
          outputs: [],
          deadLetter: 'deadLetterIdentified',
          process: createSink({ ...identifiedStore(prefix), bulk, limits, metrics, log }),
          ...stageRuntimeOptions(config),
        }),
      );
    }
  } catch (err) {
    for (const stage of stages) await stage.stop().catch(() => undefined);
    for (const close of closers) await close();
    await es.close();
    throw err;
  }

  const ready = () => stages.every((s) => s.ready());
  const healthy = () => stages.every((s) => s.healthy());
  const server = await serveMetrics(registry, { port: config.metricsPort, ready, healthy });
  log.info(
    {
      metricsPort: server.port,
      alias: config.indexPrefix,
      generation: config.generation,
      groupId: config.groupId,
      identified: config.identified,
    },
    'index started',
  );
  return {
    log,
    metricsPort: server.port,
    ready,
    async stop() {
      for (const stage of stages) await stage.stop();
      for (const close of closers) await close();
      await server.close();
      await es.close();
    },
  };
}
