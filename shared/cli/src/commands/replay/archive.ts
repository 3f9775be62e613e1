// `lrstream replay archive --from DATE --to DATE`: re-injects archived records (objects written by
// the archive service) into their topic, the raw topic by default, so the pipeline processes them
// again. Values are re-encoded with the id the registry holds for this build's schema (looked up,
// never registered); event ids are kept, so statement ids and Elasticsearch documents come out the
// same (a document is replaced, not doubled). Each record carries provenance headers:
// lrstream-replay-id (this run) and lrstream-replay-source (object name @ offset).
import { createHash, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  ARCHIVE_STORE_CONFIG,
  baseName,
  hourOf,
  hourPrefix,
  hoursBetween,
  objectLines,
  openStore,
  parseArchiveTime,
  parseEnvelope,
  parseObjectKey,
  readManifest,
  type ManifestEntry,
  type ObjectName,
  type ObjectStore,
} from '@lrstream/archive';
import {
  createFramedProducer,
  createKafka,
  createSchemaCodec,
  parseBrokers,
  type FramedMessage,
} from '@lrstream/kafka';
import { createProgress, createReplayMetrics, serveReplayMetrics } from '@lrstream/replay';
import { createLogger, loadConfig } from '@lrstream/runtime';
import { TOPICS, valueSchemaOf, type TopicId } from '@lrstream/schemas';
import { loadStackConfig } from '@lrstream/stack';
import { localServiceEnv } from '../../local-env.js';

const HELP = `Usage: lrstream replay archive --from DATE --to DATE [options]

Re-injects the archived records of the hours from --from (inclusive) to --to (exclusive) into their
topic (the raw topic by default): the pipeline processes them again. Event ids are kept, so the same
statements and Elasticsearch documents come out (replaced, not doubled). Running it twice
re-injects twice; that is harmless downstream for the same reason.

  --from DATE, --to DATE   UTC: 2026-12-04, 2026-12-04T13 (an hour), or an ISO timestamp
  --topic ID               raw (default) or xapiAnonymized (archived with ARCHIVE_TOPICS)
  --store dir|s3           overrides ARCHIVE_STORE; --dir PATH overrides ARCHIVE_DIR
  --include-replayed       also re-inject records that were themselves re-injected by a replay
                           (they carry lrstream-replay-source; skipped by default)
  --dry-run                list the objects and count their records; send nothing
  --json                   the summary as JSON on stdout

The store comes from ARCHIVE_STORE, ARCHIVE_DIR, S3_* as for the archive service (the local stack's
folder or S3Proxy by default). Metrics on REPLAY_METRICS_PORT (the stack's replay port by default).
`;

interface Planned {
  key: string;
  name: ObjectName;
  /** The manifest's entry, when the manifest lists the object. */
  entry?: ManifestEntry;
}

export interface ArchiveReplaySummary {
  replayId: string;
  topic: string;
  from: string;
  to: string;
  objects: number;
  records: number;
  reinjected: number;
  skippedReplayed: number;
  skippedUndecodable: number;
  skippedDuplicate: number;
  checksumMismatches: number;
  seconds: number;
  recordsPerSecond: number;
  dryRun: boolean;
}

/** The window's objects, in partition and offset order, with their manifest entries. */
export async function planArchiveReplay(
  store: ObjectStore,
  topic: string,
  fromMs: number,
  toMs: number,
): Promise<Planned[]> {
  const planned: Planned[] = [];
  for (const hour of hoursBetween(fromMs, toMs)) {
    const { dt, hour: hh } = hourOf(hour);
    const manifests = new Map<number, Map<string, ManifestEntry>>();
    for (const o of await store.list(hourPrefix(topic, dt, hh))) {
      const name = parseObjectKey(o.key);
      if (!name || name.topic !== topic) continue;
      if (!manifests.has(name.partition)) {
        const manifest = await readManifest(store, topic, dt, hh, name.partition);
        manifests.set(name.partition, new Map((manifest?.objects ?? []).map((e) => [e.object, e])));
      }
      const entry = manifests.get(name.partition)?.get(o.key);
      planned.push({ key: o.key, name, ...(entry ? { entry } : {}) });
    }
  }
  return planned.sort((a, b) => a.name.partition - b.name.partition || a.name.start - b.name.start);
}

export async function replayArchiveCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      topic: { type: 'string', default: 'raw' },
      store: { type: 'string' },
      dir: { type: 'string' },
      'include-replayed': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || !values.from || !values.to) {
    (values.help ? process.stdout : process.stderr).write(HELP);
    return values.help ? 0 : 2;
  }
  if (values.topic !== 'raw' && values.topic !== 'xapiAnonymized') {
    process.stderr.write(`lrstream replay archive: --topic must be raw or xapiAnonymized\n`);
    return 2;
  }
  const topicId = values.topic as TopicId;
  const topic = TOPICS[topicId];
  let fromMs: number;
  let toMs: number;
  try {
    fromMs = parseArchiveTime(values.from);
    toMs = parseArchiveTime(values.to);
  } catch (err) {
    process.stderr.write(`lrstream replay archive: ${(err as Error).message}\n`);
    return 2;
  }
  if (toMs <= fromMs) {
    process.stderr.write(`lrstream replay archive: --to must be after --from\n`);
    return 2;
  }

  const { env } = await localServiceEnv();
  if (values.store) env.ARCHIVE_STORE = values.store;
  if (values.dir) env.ARCHIVE_DIR = values.dir;
  const store = openStore(loadConfig(ARCHIVE_STORE_CONFIG, env));
  // A JSON log line per decision (objects planned, each object sent or skipped, the summary).
  const log = createLogger({ service: 'replay' }, env.LOG_LEVEL ?? 'info', { toStderr: true }).child({
    operation: 'archive',
  });
  const replayId = randomUUID();
  const began = Date.now();

  const plan = await planArchiveReplay(store, topic, fromMs, toMs);
  const known = plan.reduce((n, p) => n + (p.entry?.records ?? 0), 0);
  const unlisted = plan.filter((p) => !p.entry).length;
  log.info(
    {
      replayId,
      topic,
      from: values.from,
      to: values.to,
      store: store.description,
      objects: plan.length,
      records: known,
      unlisted,
    },
    'Planned the archive replay: objects of the window and their records (from the manifests).',
  );
  const summary: ArchiveReplaySummary = {
    replayId,
    topic,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    objects: plan.length,
    records: 0,
    reinjected: 0,
    skippedReplayed: 0,
    skippedUndecodable: 0,
    skippedDuplicate: 0,
    checksumMismatches: 0,
    seconds: 0,
    recordsPerSecond: 0,
    dryRun: values['dry-run'],
  };

  const metrics = createReplayMetrics();
  const metricsPort = Number(env.REPLAY_METRICS_PORT ?? loadStackConfig(env).serviceMetricsPorts.replay);
  const server = values['dry-run'] ? null : await serveReplayMetrics(metrics, metricsPort);
  const progress = createProgress({
    label: `replay archive ${values['dry-run'] ? '(dry run) ' : ''}`,
    total: known,
  });
  metrics.running.set({ operation: 'archive' }, 1);
  metrics.remaining.set({ operation: 'archive' }, known);

  let producer: Awaited<ReturnType<typeof createFramedProducer>> | undefined;
  let schemaId = 0;
  const codec = createSchemaCodec({ url: String(env.SCHEMA_REGISTRY_URL) });
  if (!values['dry-run']) {
    schemaId = await codec.lookupValueSchemaId(topic, valueSchemaOf(topicId));
    const kafka = createKafka({
      brokers: parseBrokers(String(env.KAFKA_BROKERS)),
      clientId: 'lrstream-replay-archive',
    });
    producer = await createFramedProducer(kafka);
  }
  const lastSent = new Map<number, number>();
  const count = (outcome: string, n = 1) => metrics.records.inc({ operation: 'archive', outcome }, n);
  try {
    for (const item of plan) {
      const body = await store.get(item.key);
      if (!body) {
        log.warn({ replayId, object: item.key }, 'Object gone from the store since it was listed; skipped.');
        continue;
      }
      if (item.entry && createHash('sha256').update(body).digest('hex') !== item.entry.sha256) {
        summary.checksumMismatches += 1;
        count('checksum_mismatch');
        log.error(
          { replayId, object: item.key },
          'Object sha256 differs from its manifest entry; skipped (exit status 1).',
        );
        continue;
      }
      const source = baseName(item.key);
      let batch: FramedMessage[] = [];
      let objectReinjected = 0;
      const flush = async () => {
        if (batch.length === 0) return;
        await producer?.send(topic, batch);
        count('reinjected', batch.length);
        summary.reinjected += batch.length;
        objectReinjected += batch.length;
        batch = [];
      };
      for (const line of objectLines(body)) {
        summary.records += 1;
        const { envelope, key, value } = parseEnvelope(line);
        // Overlapping objects (never written by the archive service, but possible if copied by
        // hand) would double records: each offset of a partition is sent once per run.
        if (envelope.offset <= (lastSent.get(envelope.partition) ?? -1)) {
          summary.skippedDuplicate += 1;
          continue;
        }
        lastSent.set(envelope.partition, envelope.offset);
        if (value === undefined) {
          summary.skippedUndecodable += 1;
          count('undecodable');
          continue;
        }
        if (envelope.headers?.['lrstream-replay-source'] && !values['include-replayed']) {
          summary.skippedReplayed += 1;
          count('skipped_replayed');
          continue;
        }
        if (producer)
          batch.push({
            key,
            value: await codec.encode(schemaId, value),
            headers: {
              'lrstream-replay-id': replayId,
              'lrstream-replay-source': `${source}@${envelope.offset}`,
            },
          });
        if (batch.length >= 500) await flush();
        progress.update(summary.records, Math.max(known, summary.records));
        metrics.remaining.set({ operation: 'archive' }, Math.max(0, known - summary.records));
      }
      await flush();
      log.info(
        {
          replayId,
          object: item.key,
          records: item.entry?.records,
          reinjected: objectReinjected,
          dryRun: values['dry-run'],
        },
        values['dry-run'] ? 'Object would be re-injected (dry run).' : 'Object re-injected.',
      );
    }
  } finally {
    await producer?.disconnect();
    metrics.running.set({ operation: 'archive' }, 0);
    await server?.close();
  }
  summary.seconds = (Date.now() - began) / 1000;
  summary.recordsPerSecond = Math.round(summary.records / Math.max(0.001, summary.seconds));
  progress.finish(
    `${summary.objects} objects, ${summary.reinjected} records re-injected, ${summary.recordsPerSecond} records/s`,
  );
  log.info({ ...summary }, 'Archive replay finished.');
  if (values.json) process.stdout.write(JSON.stringify(summary) + '\n');
  else
    process.stdout.write(
      `${summary.objects} objects, ${summary.records} records read, ${summary.reinjected} re-injected into ${topic} ` +
        `(${summary.skippedReplayed} already replays, ${summary.skippedUndecodable} undecodable, ` +
        `${summary.skippedDuplicate} overlapping, ${summary.checksumMismatches} checksum mismatches) ` +
        `in ${summary.seconds.toFixed(1)} s, ${summary.recordsPerSecond} records/s; replay id ${replayId}\n`,
    );
  return summary.checksumMismatches > 0 ? 1 : 0;
}
