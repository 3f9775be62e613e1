// A pipeline stage on kafkajs: the stage loop (stage-loop.ts) driven by a consumer group, with
// outputs written by an idempotent acks=all producer and offsets committed explicitly.
//
// What this adapter adds to the loop's guarantees:
// - Schema ids are looked up, never registered: a stage refuses to start when the registry lacks a
//   subject or a schema of its build (the operator runs `lrstream topics apply` first).
// - Where a group starts is decided once: on joining, every assigned partition without a committed
//   offset gets one at once (START_FROM: the oldest retained record or the current end), so a
//   later restart resumes there even on a partition that had no record before it stopped.
// - A batch whose retry budget is spent pauses its partition (readiness fails, a gauge says which
//   and why) and is tried again after `stallProbeMs`; nothing is skipped.
// - A consumer that crashes for good makes the service fatal: `onFatal` (the process exits non-zero
//   and its supervisor restarts it); /healthz fails from then on.
// - An operator can make the group's instances leave the group for a while (control.ts), so that
//   `lrstream replay rewind --coordinate` can move its offsets: the consumer disconnects after its
//   batch in hand and a new one joins on resume (or when the pause's lease runs out).
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { describeErrorSafely, type Logger } from '@lrstream/runtime';
import { TOPICS, valueSchemaOf, type TopicId } from '@lrstream/schemas';
import { watchControl, type ControlState, type ControlWatcher } from './control.js';
import { createInputDecoder } from './input-decoder.js';
import type { StageMetrics } from './metrics.js';
import type { SchemaCodec } from './registry.js';
import { createStageLoop, type InputRecord, type Outcome, type ProduceRecord } from './stage-loop.js';

export interface StageOptions<T> {
  stage: string;
  kafka: Kafka;
  codec: SchemaCodec;
  log: Logger;
  metrics: StageMetrics;
  groupId: string;
  input: TopicId;
  outputs: TopicId[];
  deadLetter: TopicId;
  /** Where a partition with no committed offset starts: its oldest retained record (default) or its end. */
  startFrom?: 'earliest' | 'latest';
  /** One outcome per record, same order. Throw a retryable error to retry the whole batch. */
  process(records: InputRecord<T>[]): Promise<Outcome[]>;
  maxRecordBytes?: number;
  maxRequestBytes?: number;
  backoff?: { initialMs: number; maxMs: number };
  retryBudgetMs?: number;
  /** How long an unknown schema id is retried before its records are dead-lettered (default 60 s). */
  unknownIdGraceMs?: number;
  /** How long a stalled partition stays paused before its batch is tried again (default 30 s). */
  stallProbeMs?: number;
  /** Called once when the consumer died for good; the default exits the process with status 1. */
  onFatal?(err: unknown): void;
  /** Obey pause/resume commands on the control topic (default true). */
  control?: boolean;
}

export interface RunningStage {
  /** Joined its group, start offsets settled, no partition stalled. */
  ready(): boolean;
  /** Consuming (or starting, or rejoining for less than a minute), and never crashed for good. */
  healthy(): boolean;
  stop(): Promise<void>;
}

const REJOIN_GRACE_MS = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const defaultOnFatal = (log: Logger) => (err: unknown) => {
  log.fatal({ error: describeErrorSafely(err) }, 'consumer stopped for good; exiting');
  // Give the log line a moment to flush; a supervisor restarts the service.
  setTimeout(() => process.exit(1), 100).unref();
};

export async function runStage<T>(options: StageOptions<T>): Promise<RunningStage> {
  const { kafka, codec, log, metrics } = options;
  const topic = TOPICS[options.input];
  const startFrom = options.startFrom ?? 'earliest';
  const onFatal = options.onFatal ?? defaultOnFatal(log);

  // Look up, never register: a missing schema is the operator's to fix, before anything is read.
  const schemaIds = new Map<TopicId, number>();
  for (const id of new Set([options.input, ...options.outputs, options.deadLetter]))
    schemaIds.set(id, await codec.lookupValueSchemaId(TOPICS[id], valueSchemaOf(id)));
  const inputSchema = valueSchemaOf(options.input) as { name: string; namespace?: string };
  const fullName = inputSchema.name.includes('.')
    ? inputSchema.name
    : `${inputSchema.namespace ? `${inputSchema.namespace}.` : ''}${inputSchema.name}`;

  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const admin = kafka.admin();
  // Replaced when the stage resumes after an operator's pause; null while paused.
  let consumer: Consumer | null = null;
  await producer.connect();
  await admin.connect();

  let stopping = false;
  let fatal = false;
  let joined = false;
  let lastJoinedOrStarted = Date.now();
  let startOffsets: Promise<void> = Promise.resolve();
  let startOffsetsSettled = false;
  const stalled = new Map<number, { code: string; timer: NodeJS.Timeout }>();

  // Commits one after the other and never backwards within a membership: the loop's commits and
  // those that step over transaction markers (below) come from different places.
  let committedUpTo = new Map<number, bigint>();
  let commits: Promise<void> = Promise.resolve();
  const commitInOrder = (name: string, partition: number, offset: string): Promise<void> => {
    const next = commits.then(async () => {
      if ((committedUpTo.get(partition) ?? -1n) >= BigInt(offset)) return;
      await startOffsets; // a start offset committed later must never move a partition back
      if (!consumer) throw new Error('no consumer to commit with');
      await consumer.commitOffsets([{ topic: name, partition, offset }]);
      committedUpTo.set(partition, BigInt(offset));
    });
    commits = next.catch(() => undefined);
    return next;
  };

  const loop = createStageLoop<T>({
    stage: options.stage,
    deadLetter: options.deadLetter,
    log,
    metrics,
    maxRecordBytes: options.maxRecordBytes,
    maxRequestBytes: options.maxRequestBytes,
    backoff: options.backoff,
    retryBudgetMs: options.retryBudgetMs,
    decoder: createInputDecoder<T>({
      expected: { fullName, schema: valueSchemaOf(options.input) },
      codec,
      requireKey: true,
      unknownIdGraceMs: options.unknownIdGraceMs ?? 60_000,
    }),
    process: options.process,
    encode: async (id, value) => {
      const schemaId = schemaIds.get(id);
      if (schemaId === undefined) throw new Error(`stage ${options.stage} did not declare output ${id}`);
      return codec.encode(schemaId, value);
    },
    send: async (chunks: ProduceRecord[][]) => {
      for (const chunk of chunks) {
        const byTopic = new Map<string, { key: string; value: Buffer; timestamp?: string }[]>();
        for (const { topic: name, ...message } of chunk)
          byTopic.set(name, [...(byTopic.get(name) ?? []), message]);
        await producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([name, messages]) => ({ topic: name, messages })),
        });
      }
    },
    commit: (name, partition, offset) => commitInOrder(name, partition, offset),
  });

  /** Commits, for assigned partitions without a committed offset, the START_FROM position. */
  const settleStartOffsets = async (c: Consumer, partitions: number[]): Promise<void> => {
    for (let attempt = 1; !stopping; attempt += 1) {
      try {
        const [committed] = await admin.fetchOffsets({ groupId: options.groupId, topics: [topic] });
        const missing = (committed?.partitions ?? [])
          .filter((p) => partitions.includes(p.partition) && Number(p.offset) < 0)
          .map((p) => p.partition);
        if (missing.length > 0) {
          const bounds = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p]));
          const targets = missing.map((partition) => {
            const b = bounds.get(partition);
            return { topic, partition, offset: (startFrom === 'latest' ? b?.high : b?.low) ?? '0' };
          });
          await c.commitOffsets(targets);
          // The fetch position must be the committed one (kafkajs may have resolved "latest" earlier).
          for (const t of targets) c.seek(t);
          log.info({ startFrom, partitions: targets }, 'start offsets committed');
        }
        startOffsetsSettled = true;
        return;
      } catch (err) {
        log.warn({ error: describeErrorSafely(err), attempt }, 'could not settle start offsets; retrying');
        await sleep(Math.min(250 * 2 ** attempt, 10_000));
      }
    }
  };

  const clearStalled = () => {
    for (const [partition, { code, timer }] of stalled) {
      clearTimeout(timer);
      metrics.stalledPartitions.remove({ topic, partition: String(partition), code });
    }
    stalled.clear();
  };

  const startConsumer = async (): Promise<void> => {
    const c: Consumer = kafka.consumer({
      groupId: options.groupId,
      maxBytesPerPartition: 4 * 1024 * 1024,
    });
    c.on(c.events.GROUP_JOIN, ({ payload }) => {
      committedUpTo = new Map();
      joined = true;
      lastJoinedOrStarted = Date.now();
      startOffsetsSettled = false;
      const assigned = (payload.memberAssignment[topic] ?? []) as number[];
      startOffsets = settleStartOffsets(c, assigned);
    });
    // A fetch that held only transaction markers (a redrive writes in transactions) never reaches
    // eachBatch: step over them, or the group's position and its lag stay one short until the
    // next record arrives.
    c.on(c.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize !== 0 || payload.topic !== topic || consumer !== c) return;
      const next = (BigInt(payload.lastOffset) + 1n).toString();
      commitInOrder(topic, payload.partition, next).then(
        () =>
          metrics.lag.set(
            { topic, partition: String(payload.partition) },
            Math.max(0, Number(BigInt(payload.highWatermark) - BigInt(next))),
          ),
        (err: unknown) => {
          metrics.commitFailures.inc();
          log.warn(
            { error: describeErrorSafely(err), partition: payload.partition },
            'commit past markers failed',
          );
        },
      );
    });
    c.on(c.events.CRASH, ({ payload }) => {
      joined = false;
      lastJoinedOrStarted = Date.now();
      log.error({ error: describeErrorSafely(payload.error), restart: payload.restart }, 'consumer crashed');
      if (!payload.restart && !stopping) {
        fatal = true;
        onFatal(payload.error);
      }
    });

    const handleBatch = async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {
      await startOffsets;
      const result = await loop.handle(
        {
          topic: batch.topic,
          partition: batch.partition,
          records: batch.messages,
          highWatermark: batch.highWatermark,
        },
        { isActive: () => !stopping && isRunning() && !isStale(), heartbeat },
      );
      if (result.kind === 'done') {
        const last = batch.messages[batch.messages.length - 1];
        if (last) resolveOffset(last.offset);
        const was = stalled.get(batch.partition);
        if (was) {
          metrics.stalledPartitions.remove({ topic, partition: String(batch.partition), code: was.code });
          stalled.delete(batch.partition);
          log.info({ partition: batch.partition }, 'partition flowing again');
        }
      } else if (result.kind === 'stalled') {
        const first = batch.messages[0];
        const partitions = [{ topic, partitions: [batch.partition] }];
        c.pause(partitions);
        if (first) c.seek({ topic, partition: batch.partition, offset: first.offset });
        const previous = stalled.get(batch.partition);
        if (previous)
          metrics.stalledPartitions.remove({
            topic,
            partition: String(batch.partition),
            code: previous.code,
          });
        metrics.stalledPartitions.set({ topic, partition: String(batch.partition), code: result.code }, 1);
        const timer = setTimeout(() => {
          if (!stopping && consumer === c) c.resume(partitions);
        }, options.stallProbeMs ?? 30_000);
        timer.unref();
        stalled.set(batch.partition, { code: result.code, timer });
      }
    };

    consumer = c;
    lastJoinedOrStarted = Date.now();
    await c.connect();
    await c.subscribe({ topic, fromBeginning: startFrom === 'earliest' });
    await c.run({ eachBatchAutoResolve: false, autoCommit: false, eachBatch: handleBatch });
  };

  /** Leaves the group: the batch in hand either commits or is abandoned uncommitted. */
  const stopConsumer = async (): Promise<void> => {
    const c = consumer;
    joined = false;
    clearStalled();
    if (!c) return;
    await c.disconnect();
    // Only now: the batch in hand commits with the consumer that fetched it.
    if (consumer === c) consumer = null;
  };

  // Pause and resume commands are applied one after the other, in the order they came.
  let pausedBy: string | null = null;
  let transitions: Promise<void> = Promise.resolve();
  const onControl = (state: ControlState) => {
    transitions = transitions.then(async () => {
      if (stopping) return;
      try {
        if (state.paused && !pausedBy) {
          pausedBy = state.commandId;
          metrics.pausedByOperator.set(1);
          log.info(
            { group: options.groupId, command: state.commandId, until: new Date(state.until).toISOString() },
            "leaving the group on an operator's pause",
          );
          await stopConsumer();
          log.info({ group: options.groupId, command: state.commandId }, 'paused: consumer left the group');
        } else if (!state.paused && pausedBy) {
          log.info({ group: options.groupId, after: pausedBy }, "resuming after an operator's pause");
          pausedBy = null;
          metrics.pausedByOperator.set(0);
          await startConsumer();
        }
      } catch (err) {
        fatal = true;
        onFatal(err);
      }
    });
  };

  await startConsumer();
  const watcher: ControlWatcher | null =
    options.control === false
      ? null
      : await watchControl({ kafka, codec, groupId: options.groupId, log, onChange: onControl });
  log.info({ input: topic, group: options.groupId, startFrom }, 'stage started');

  return {
    ready: () => joined && startOffsetsSettled && stalled.size === 0 && !stopping && !fatal && !pausedBy,
    // Paused on purpose is healthy: a supervisor must not restart a stage an operator paused.
    healthy: () =>
      !fatal && (pausedBy !== null || joined || Date.now() - lastJoinedOrStarted < REJOIN_GRACE_MS),
    async stop() {
      stopping = true;
      await watcher?.stop();
      await transitions;
      for (const { timer } of stalled.values()) clearTimeout(timer);
      // disconnect() waits for the batch in hand: it either commits or is abandoned uncommitted.
      await stopConsumer();
      await producer.disconnect();
      await admin.disconnect();
    },
  };
}
