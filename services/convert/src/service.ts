// The convert service: validated edX -> identified xAPI statements.
import { readFileSync } from 'node:fs';
import {
  createKafka,
  createSchemaCodec,
  createStageMetrics,
  ensurePipelineTopics,
  runStage,
} from '@lrstream/kafka';
import {
  ConfigError,
  createLogger,
  createMetricsRegistry,
  loadConfig,
  serveMetrics,
} from '@lrstream/runtime';
import type { EdxEvent } from '@lrstream/schemas';
import { CONVERT_CONFIG } from './config.js';
import { createConverter } from './process.js';

function readMap(path: string, variable: string): Record<string, string> {
  if (!path) return {};
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, string>;
  } catch (err) {
    throw new ConfigError(`${variable}: cannot read ${path}: ${(err as Error).message}`);
  }
}

export async function startConvert(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(CONVERT_CONFIG, env);
  const convert = createConverter({
    profile: config.profile,
    platformUrl: config.platformUrl,
    uuidNamespace: config.uuidNamespace,
    actorIds: readMap(config.actorIdsFile, 'ACTOR_IDS_FILE'),
    courseNames: readMap(config.courseNamesFile, 'COURSE_NAMES_FILE'),
    unsupported: config.unsupported,
  });
  const log = createLogger({ service: 'convert' }, config.logLevel);
  const registry = createMetricsRegistry({ service: 'convert' });
  const metrics = createStageMetrics('convert', registry);
  const kafka = createKafka({ brokers: config.brokers, clientId: 'lrstream-convert', log });
  const codec = createSchemaCodec({ url: config.registryUrl });
  await ensurePipelineTopics(kafka);

  const stage = await runStage<EdxEvent>({
    stage: 'convert',
    kafka,
    codec,
    log,
    metrics,
    groupId: config.groupId,
    startFrom: config.startFrom,
    input: 'edxValid',
    outputs: ['xapiIdentified'],
    deadLetter: 'deadLetterIdentified',
    process: async (records) => records.map(convert),
  });
  const server = await serveMetrics(registry, { port: config.metricsPort, ready: stage.ready });
  log.info({ metricsPort: server.port, profile: config.profile }, 'convert started');
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
