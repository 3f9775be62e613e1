// The anonymize service: identified xAPI -> anonymized xAPI (keyed pseudonyms, no names, no free text).
import { readFileSync } from 'node:fs';
import type { PseudonymKey } from '@lrstream/domain';
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
import type { XapiStatement } from '@lrstream/schemas';
import { ANONYMIZE_CONFIG } from './config.js';
import { anonymizeRecord } from './process.js';

/** The secret comes from a file or the environment; it is never logged nor written anywhere. */
function loadKey(config: { keyFile: string; key: string; keyId: string }): PseudonymKey {
  let secret: Buffer;
  if (config.keyFile) {
    try {
      secret = Buffer.from(readFileSync(config.keyFile, 'utf8').trim());
    } catch (err) {
      throw new ConfigError(
        `ANONYMIZE_KEY_FILE: cannot read ${config.keyFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
  } else secret = Buffer.from(config.key);
  if (secret.length < 16) {
    throw new ConfigError(
      'A pseudonymisation secret of at least 16 bytes is required: set ANONYMIZE_KEY_FILE (or ANONYMIZE_KEY).',
    );
  }
  return { id: config.keyId, secret };
}

export async function startAnonymize(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(ANONYMIZE_CONFIG, env);
  const key = loadKey(config);
  const log = createLogger({ service: 'anonymize' }, config.logLevel);
  const registry = createMetricsRegistry({ service: 'anonymize' });
  const metrics = createStageMetrics('anonymize', registry);
  const kafka = createKafka({ brokers: config.brokers, clientId: 'lrstream-anonymize', log });
  const codec = createSchemaCodec({ url: config.registryUrl });
  await ensurePipelineTopics(kafka);

  const stage = await runStage<XapiStatement>({
    stage: 'anonymize',
    kafka,
    codec,
    log,
    metrics,
    groupId: config.groupId,
    startFrom: config.startFrom,
    input: 'xapiIdentified',
    outputs: ['xapiAnonymized'],
    deadLetter: 'deadLetterIdentified',
    process: async (records) => records.map((r) => anonymizeRecord(r, key)),
  });
  const server = await serveMetrics(registry, { port: config.metricsPort, ready: stage.ready });
  log.info({ metricsPort: server.port, keyId: key.id }, 'anonymize started');
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
