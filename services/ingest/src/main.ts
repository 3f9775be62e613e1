// ingest: HTTP (xAPI statements resource, edX tracking logs) -> events.raw.v1. Wiring only; the
// logic lives in server.ts (HTTP), xapi.ts / edx.ts (bodies -> records) and sink.ts (Kafka).
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { assertPipelineTopics, createKafka, createRecordProducer, createSchemaCodec } from '@lrstream/kafka';
import {
  createLogger,
  createMetricsRegistry,
  onShutdown,
  serveMetrics,
  type Logger,
} from '@lrstream/runtime';
import { createAuthenticator, loadCredentials } from './auth.js';
import { loadIngestConfig } from './config.js';
import { createIngestMetrics } from './metrics.js';
import { buildIngestServer } from './server.js';

export interface RunningIngest {
  url: string;
  metricsUrl: string;
  log: Logger;
  /** Stop accepting, finish in-flight requests, then disconnect from Kafka. */
  stop(): Promise<void>;
}

export async function startIngest(env: NodeJS.ProcessEnv): Promise<RunningIngest> {
  const config = loadIngestConfig(env);
  const log = createLogger({ service: 'ingest' });
  const registry = createMetricsRegistry({ service: 'ingest' });
  const metrics = createIngestMetrics(registry);
  const authenticator = await createAuthenticator(await loadCredentials(config.authFile), {
    cacheTtlMs: config.authCacheTtlMs,
    cacheMaxEntries: config.authCacheMaxEntries,
    maxConcurrentVerifications: config.authMaxConcurrent,
    maxQueuedVerifications: config.authMaxQueued,
    retryAfterSeconds: config.retryAfterSeconds,
    onQueueChange: (running, queued) => {
      metrics.authVerifications.set({ state: 'running' }, running);
      metrics.authVerifications.set({ state: 'queued' }, queued);
    },
  });
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'ingest', log });
  await assertPipelineTopics(kafka);
  const producer = await createRecordProducer(kafka, createSchemaCodec({ url: config.schemaRegistryUrl }), [
    'raw',
  ]);

  const server = buildIngestServer({
    producer,
    authenticator,
    metrics,
    log,
    limits: config,
    connections: config,
    sink: { sendTimeoutMs: config.kafkaSendTimeoutMs, retryAfterSeconds: config.retryAfterSeconds },
  });
  const url = await server.listen({ host: config.host, port: config.port });
  const metricsServer = await serveMetrics(registry, { port: config.metricsPort, host: config.host });
  log.info({ url, metricsPort: metricsServer.port }, 'Ingest started.');

  return {
    url,
    metricsUrl: `http://${config.host}:${metricsServer.port}/metrics`,
    log,
    async stop() {
      await server.close(); // new requests get 503; in-flight ones finish and are acknowledged
      await producer.disconnect();
      await metricsServer.close();
    },
  };
}

const invokedPath = process.argv[1];
if (invokedPath && import.meta.url === pathToFileURL(realpathSync(invokedPath)).href) {
  const ingest = await startIngest(process.env).catch((err: unknown) => {
    process.stderr.write(`ingest: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
  onShutdown(ingest.log, [ingest.stop]);
}
