// The archive service: the raw topic (and optionally the anonymized one) -> gzip NDJSON objects in a
// directory or S3-compatible storage, with manifests; see archiver.ts for the guarantees.
import { openStore, storeConfigProblems } from '@lrstream/archive';
import {
  DECODE_CODES,
  createKafka,
  createSchemaCodec,
  createPartitionConsumer,
  wireSchemaId,
} from '@lrstream/kafka';
import {
  ConfigError,
  createLogger,
  createMetricsRegistry,
  describeErrorSafely,
  loadConfig,
  serveMetrics,
  type Logger,
} from '@lrstream/runtime';
import { TOPICS, valueSchemaOf, type TopicId } from '@lrstream/schemas';
import { createArchiver } from './archiver.js';
import { ARCHIVABLE_TOPICS, ARCHIVE_CONFIG, type ArchivableTopic } from './config.js';
import { createArchiveMetrics } from './metrics.js';

export interface RunningArchive {
  log: Logger;
  metricsPort: number;
  ready(): boolean;
  stop(): Promise<void>;
}

type Decoded = { ok: true; value: unknown } | { ok: false; code: string };

const fullName = (id: TopicId): string => {
  const s = valueSchemaOf(id) as { name: string; namespace?: string };
  return s.name.includes('.') ? s.name : `${s.namespace ? `${s.namespace}.` : ''}${s.name}`;
};

export async function startArchive(env: NodeJS.ProcessEnv = process.env): Promise<RunningArchive> {
  const config = loadConfig(ARCHIVE_CONFIG, env);
  const problems = storeConfigProblems(config);
  const unknown = config.topics.filter((t) => !ARCHIVABLE_TOPICS.includes(t as ArchivableTopic));
  if (unknown.length > 0)
    problems.push(`ARCHIVE_TOPICS may hold ${ARCHIVABLE_TOPICS.join(', ')}, got "${unknown.join(', ')}"`);
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);

  const log = createLogger({ service: 'archive' }, config.logLevel);
  const registry = createMetricsRegistry({ service: 'archive' });
  const metrics = createArchiveMetrics(registry);
  const store = openStore(config);
  const kafka = createKafka({ brokers: [...config.brokers], clientId: 'lrstream-archive', log });
  const codec = createSchemaCodec({ url: config.registryUrl });
  const ids = config.topics as ArchivableTopic[];
  const expected = new Map(ids.map((id) => [TOPICS[id], fullName(id)]));
  // Decoded with the writer's schema (the registry client caches it): the archive keeps what was
  // written. A record that does not decode is archived as bytes with the runtime's code.
  const decode = async (topic: string, value: Buffer | null): Promise<Decoded> => {
    if (value === null || value.length === 0) return { ok: false, code: DECODE_CODES.nullValue };
    const id = wireSchemaId(value);
    if (id === undefined) return { ok: false, code: DECODE_CODES.notAvro };
    const writer = await codec.writerName(id); // retryable when the registry does not answer
    if (writer === null) return { ok: false, code: DECODE_CODES.unknownId };
    if (writer !== expected.get(topic)) return { ok: false, code: DECODE_CODES.wrongSchema };
    try {
      return { ok: true, value: await codec.decode(value) };
    } catch {
      return { ok: false, code: DECODE_CODES.badAvro };
    }
  };

  const consumer = await createPartitionConsumer({
    kafka,
    log,
    groupId: config.groupId,
    topics: ids.map((id) => TOPICS[id]),
  });
  const archiver = createArchiver({
    store,
    log,
    metrics,
    decode: (topic, record) => decode(topic, record.value),
    seek: consumer.seek,
    commit: consumer.commit,
    watermarks: consumer.watermarks,
    committed: consumer.committed,
    schemaIdOf: (value) => (value ? (wireSchemaId(value) ?? null) : null),
    startFrom: config.startFrom,
    maxRecords: config.maxRecords,
    maxBytes: config.maxBytes,
    flushIntervalMs: config.flushIntervalMs,
    retryBudgetMs: config.retryBudgetMs,
  });
  await consumer.run({
    onAssigned: (held) => archiver.assign(held),
    eachBatch: (batch, handle) => archiver.handleBatch(batch, handle),
  });
  const timer = setInterval(
    () => {
      archiver.flushDue().catch((err: unknown) => {
        log.error({ error: describeErrorSafely(err) }, 'Timed flush failed; the object stays open.');
      });
    },
    Math.max(50, Math.min(1000, Math.floor(config.flushIntervalMs / 4))),
  );
  const ready = () => consumer.ready() && archiver.healthy();
  const server = await serveMetrics(registry, { port: config.metricsPort, ready, healthy: consumer.healthy });
  log.info(
    {
      topics: ids.map((id) => TOPICS[id]),
      store: store.description,
      group: config.groupId,
      metricsPort: server.port,
      maxRecords: config.maxRecords,
      maxBytes: config.maxBytes,
      flushIntervalMs: config.flushIntervalMs,
    },
    'Archive started.',
  );
  return {
    log,
    metricsPort: server.port,
    ready,
    async stop() {
      clearInterval(timer);
      // The open objects are written first; a stop cut short only leaves them to be read again.
      await archiver.flushAll().catch((err: unknown) => {
        log.warn({ error: describeErrorSafely(err) }, 'Could not write the open objects at stop.');
      });
      await consumer.stop();
      await server.close();
    },
  };
}
