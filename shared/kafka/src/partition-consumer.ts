// A plain consumer group member for services that decide themselves where each partition starts
// (the archive resumes from its object store, not from committed offsets): after every join the
// service is told which partitions it holds and seeks them; batches arrive per partition; offsets
// are committed only when the service says so. No stage loop, no outputs.
//
// Positions: kafkajs may hand over a batch fetched before a seek took effect. Batches are given to
// the service as fetched; the service drops records before its own position (see services/archive).
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { describeErrorSafely, type Logger } from '@lrstream/runtime';
import type { SourceRecord } from './stage-loop.js';

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface PartitionBatch extends TopicPartition {
  records: (SourceRecord & { headers: Record<string, string> })[];
  highWatermark: string;
}

export interface BatchHandle {
  /** Marks records up to `offset` as handled (the next fetch starts after it). */
  resolve(offset: string): void;
  heartbeat(): Promise<void>;
  /** False once the batch is no longer ours (stopping, rebalanced): stop work on it. */
  isActive(): boolean;
}

export interface PartitionConsumerOptions {
  kafka: Kafka;
  log: Logger;
  groupId: string;
  topics: string[];
  /** Called once when the consumer died for good; the default exits the process with status 1. */
  onFatal?(err: unknown): void;
  maxBytesPerPartition?: number;
}

export interface PartitionHandlers {
  /**
   * Called after every join with the partitions now held; seek them (via the returned consumer)
   * before resolving. Batches wait until it resolved.
   */
  onAssigned(partitions: TopicPartition[]): Promise<void>;
  eachBatch(batch: PartitionBatch, handle: BatchHandle): Promise<void>;
}

export interface PartitionConsumer {
  /** Joins the group and starts fetching: the handlers are called from then on. */
  run(handlers: PartitionHandlers): Promise<void>;
  seek(tp: TopicPartition, offset: string): void;
  /** Commits `nextOffset` (the next record to read) for monitoring and for other readers of the group. */
  commit(tp: TopicPartition, nextOffset: string): Promise<void>;
  /** The group's committed offsets of a topic's partitions (-1: none). */
  committed(topic: string): Promise<Map<number, string>>;
  /** Low and high watermarks of a topic's partitions. */
  watermarks(topic: string): Promise<Map<number, { low: string; high: string }>>;
  /** Joined, and the last assignment settled. */
  ready(): boolean;
  /** Never crashed for good, and joined (or rejoining for less than a minute). */
  healthy(): boolean;
  stop(): Promise<void>;
}

const REJOIN_GRACE_MS = 60_000;

/** Only our own provenance headers are kept (the rest is not ours to copy around). */
const headerText = (headers: EachBatchPayload['batch']['messages'][number]['headers']) => {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!name.startsWith('lrstream-') || value === undefined) continue;
    const v = Array.isArray(value) ? value[0] : value;
    if (v !== undefined) out[name] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  }
  return out;
};

export async function createPartitionConsumer(options: PartitionConsumerOptions): Promise<PartitionConsumer> {
  const { kafka, log } = options;
  const admin = kafka.admin();
  await admin.connect();
  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 4 * 1024 * 1024,
  });
  let stopping = false;
  let fatal = false;
  let joined = false;
  let settled = false;
  let lastJoinedOrStarted = Date.now();
  let assignment: Promise<void> = Promise.resolve();
  const onFatal =
    options.onFatal ??
    ((err: unknown) => {
      log.fatal({ error: describeErrorSafely(err) }, 'Consumer stopped for good; exiting.');
      setTimeout(() => process.exit(1), 100).unref();
    });

  consumer.on(consumer.events.CRASH, ({ payload }) => {
    joined = false;
    lastJoinedOrStarted = Date.now();
    log.error({ error: describeErrorSafely(payload.error), restart: payload.restart }, 'Consumer crashed.');
    if (!payload.restart && !stopping) {
      fatal = true;
      onFatal(payload.error);
    }
  });

  const run = async (handlers: PartitionHandlers): Promise<void> => {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      joined = true;
      settled = false;
      lastJoinedOrStarted = Date.now();
      const held: TopicPartition[] = [];
      for (const [topic, partitions] of Object.entries(payload.memberAssignment))
        for (const partition of partitions as number[]) held.push({ topic, partition });
      assignment = (async () => {
        // A failed settle is retried until it succeeds or the service stops: batches wait for it.
        for (let attempt = 1; !stopping; attempt += 1) {
          try {
            await handlers.onAssigned(held);
            settled = true;
            return;
          } catch (err) {
            log.warn(
              { error: describeErrorSafely(err), attempt },
              'Could not settle start positions; retrying.',
            );
            await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** attempt, 10_000)));
          }
        }
      })();
    });
    await consumer.connect();
    for (const topic of options.topics) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {
        await assignment;
        await handlers.eachBatch(
          {
            topic: batch.topic,
            partition: batch.partition,
            highWatermark: batch.highWatermark,
            records: batch.messages.map((m) => ({
              offset: m.offset,
              key: m.key,
              value: m.value,
              timestamp: m.timestamp,
              headers: headerText(m.headers),
            })),
          },
          {
            resolve: (offset) => resolveOffset(offset),
            heartbeat,
            isActive: () => !stopping && isRunning() && !isStale(),
          },
        );
      },
    });
  };

  return {
    run,
    seek: (tp, offset) => consumer.seek({ topic: tp.topic, partition: tp.partition, offset }),
    commit: (tp, nextOffset) =>
      consumer.commitOffsets([{ topic: tp.topic, partition: tp.partition, offset: nextOffset }]),
    async committed(topic) {
      const [offsets] = await admin.fetchOffsets({ groupId: options.groupId, topics: [topic] });
      return new Map((offsets?.partitions ?? []).map((p) => [p.partition, p.offset]));
    },
    async watermarks(topic) {
      const offsets = await admin.fetchTopicOffsets(topic);
      return new Map(offsets.map((o) => [o.partition, { low: o.low, high: o.high }]));
    },
    ready: () => joined && settled && !stopping && !fatal,
    healthy: () => !fatal && (joined || Date.now() - lastJoinedOrStarted < REJOIN_GRACE_MS),
    async stop() {
      stopping = true;
      await consumer.disconnect();
      await admin.disconnect();
    },
  };
}

export interface FramedMessage {
  key: Buffer | string | null;
  /** Already encoded (Confluent-framed Avro). */
  value: Buffer;
  headers?: Record<string, string>;
  timestamp?: string;
}

/** A producer of already-encoded records (idempotent, acks=all): replays write through it. */
export interface FramedProducer {
  send(topic: string, messages: FramedMessage[]): Promise<void>;
  disconnect(): Promise<void>;
}

export async function createFramedProducer(kafka: Kafka): Promise<FramedProducer> {
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return {
    async send(topic, messages) {
      await producer.send({ topic, acks: -1, messages });
    },
    disconnect: () => producer.disconnect(),
  };
}
