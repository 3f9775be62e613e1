// The validate service: raw -> validated edX / identified xAPI / dead letter.
import {
  createKafka,
  createSchemaCodec,
  createStageMetrics,
  ensurePipelineTopics,
  runStage,
} from '@lrstream/kafka';
import { createLogger, createMetricsRegistry, loadConfig, serveMetrics } from '@lrstream/runtime';
import type { RawEvent } from '@lrstream/schemas';
import { VALIDATE_CONFIG } from './config.js';
import { validateRecord, type ValidateOptions } from './process.js';

export async function startValidate(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(VALIDATE_CONFIG, env);
  const log = createLogger({ service: 'validate' }, config.logLevel);
  const registry = createMetricsRegistry({ service: 'validate' });
  const metrics = createStageMetrics('validate', registry);
  const kafka = createKafka({ brokers: config.brokers, clientId: 'lrstream-validate', log });
  const codec = createSchemaCodec({ url: config.registryUrl });
  await ensurePipelineTopics(kafka);

  const options: ValidateOptions = { edxMode: config.edxMode, unknownEdx: config.unknownEdx };
  const stage = await runStage<RawEvent>({
    stage: 'validate',
    kafka,
    codec,
    log,
    metrics,
    groupId: config.groupId,
    startFrom: config.startFrom,
    input: 'raw',
    outputs: ['edxValid', 'xapiIdentified'],
    deadLetter: 'deadLetterIdentified',
    process: async (records) => records.map((r) => validateRecord(r, options)),
  });
  const server = await serveMetrics(registry, { port: config.metricsPort, ready: stage.ready });
  log.info({ metricsPort: server.port, edxMode: config.edxMode }, 'validate started');
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
