// The anonymize service: identified xAPI -> anonymized xAPI under a privacy policy (policy file or
// preset, validated at start-up) with the active key of a key ring.
import {
  createKafka,
  createSchemaCodec,
  createStageMetrics,
  ensurePipelineTopics,
  runStage,
} from '@lrstream/kafka';
import { createLogger, createMetricsRegistry, loadConfig, serveMetrics } from '@lrstream/runtime';
import type { XapiStatement } from '@lrstream/schemas';
import { ANONYMIZE_CONFIG } from './config.js';
import { loadKeyRing } from './keys.js';
import { createPrivacyMetrics } from './metrics.js';
import { loadPolicy } from './policy.js';
import { anonymizeRecord } from './process.js';

export async function startAnonymize(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(ANONYMIZE_CONFIG, env);
  const policy = loadPolicy(config);
  const { active: key, keys } = loadKeyRing(config);
  const log = createLogger({ service: 'anonymize' }, config.logLevel);
  const registry = createMetricsRegistry({ service: 'anonymize' });
  const metrics = createStageMetrics('anonymize', registry);
  const privacy = createPrivacyMetrics(registry);
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
    process: async (records) =>
      records.map((r) => {
        const { outcome, report } = anonymizeRecord(r, { policy, key });
        if (report) privacy.record(report);
        return outcome;
      }),
  });
  const server = await serveMetrics(registry, { port: config.metricsPort, ready: stage.ready });
  log.info(
    {
      metricsPort: server.port,
      policy: policy.id,
      strict: policy.strict,
      keyId: key.id,
      keyRing: [...keys.keys()],
    },
    'anonymize started',
  );
  return {
    log,
    policy: policy.id,
    keyId: key.id,
    ready: stage.ready,
    metricsPort: server.port,
    stop: async () => {
      await stage.stop();
      await server.close();
    },
  };
}
