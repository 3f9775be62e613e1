// The consume -> process -> produce -> commit loop every pipeline stage runs.
//
// Guarantees: an input offset is committed only after everything it produced (outputs and dead
// letters) was acknowledged by Kafka (acks=all, idempotent producer) or by the sink. Poison input is
// dead-lettered and committed; a retryable failure backs off and retries the same batch without
// committing. Delivery is at-least-once; deterministic ids downstream make duplicates harmless.
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { PoisonError, RetryableError, type Logger } from '@lrstream/runtime';
import { TOPICS, valueSchemaOf, type DeadLetter, type TopicId } from '@lrstream/schemas';
import type { SchemaCodec } from './registry.js';
import { wireSchemaId } from './registry.js';
import type { StageMetrics } from './metrics.js';

type KafkaMessage = { key: string; value: Buffer; timestamp?: string };

export interface InputRecord<T> {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: T;
  /** Kafka record timestamp (ms). */
  timestamp: number;
}

export interface OutputMessage {
  topic: TopicId;
  key: string;
  value: object;
  /** Kafka record time (ms); the producer's clock when absent. */
  timestamp?: number;
}

export type Outcome =
  | { kind: 'emit'; outputs: OutputMessage[] }
  | {
      kind: 'dead-letter';
      code: string;
      message: string;
      pointer?: string | null;
      payload?: Buffer | null;
      eventId?: string | null;
    }
  | { kind: 'filtered'; rule: string }
  /** Delivered by the stage itself (the index stage writes to Elasticsearch). */
  | { kind: 'delivered'; sink: string };

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
  /** Where a group with no committed offset starts: the oldest retained record (default) or new ones only. */
  startFrom?: 'earliest' | 'latest';
  /** One outcome per record, same order. Throw RetryableError to retry the whole batch. */
  process(records: InputRecord<T>[]): Promise<Outcome[]>;
  /** Largest encoded output record (default 900 kB, under Kafka's default 1 MB message limit). */
  maxRecordBytes?: number;
  /** Bytes of record values per produce request (default 512 kB). */
  maxRequestBytes?: number;
  /** Backoff bounds for retryable failures (ms). */
  backoff?: { initialMs: number; maxMs: number };
}

export interface RunningStage {
  ready(): boolean;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runStage<T>(options: StageOptions<T>): Promise<RunningStage> {
  const { kafka, codec, log, metrics } = options;
  const maxRecordBytes = options.maxRecordBytes ?? 900_000;
  const maxRequestBytes = options.maxRequestBytes ?? 512 * 1024;
  const schemaIds = new Map<TopicId, number>();
  for (const topic of new Set([...options.outputs, options.deadLetter])) {
    schemaIds.set(topic, await codec.registerValueSchema(TOPICS[topic], valueSchemaOf(topic)));
  }
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  let joined = false;
  let stopping = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    joined = false;
    log.error({ err: payload.error }, 'consumer crashed');
  });
  await consumer.connect();
  await consumer.subscribe({
    topic: TOPICS[options.input],
    fromBeginning: (options.startFrom ?? 'earliest') === 'earliest',
  });

  const encode = async (topic: TopicId, value: object): Promise<Buffer> => {
    const id = schemaIds.get(topic);
    if (id === undefined) throw new Error(`stage ${options.stage} did not declare output ${topic}`);
    return codec.encode(id, value);
  };

  const handleBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    const timer = metrics.processingSeconds.startTimer();
    metrics.batchSize.observe(batch.messages.length);
    const backoff = options.backoff ?? { initialMs: 250, maxMs: 15_000 };
    let delay = backoff.initialMs;
    for (;;) {
      if (stopping || !payload.isRunning() || payload.isStale()) return; // not committed: redelivered
      try {
        await processBatch(payload);
        break;
      } catch (err) {
        if (!(err instanceof RetryableError) && !isTransient(err)) throw err;
        const code = err instanceof RetryableError ? err.code : 'LRS_ERR_TRANSIENT';
        metrics.retries.inc({ code });
        log.warn(
          { code, err: { message: (err as Error).message }, delayMs: delay, partition: batch.partition },
          'retryable failure, backing off',
        );
        await sleep(delay);
        delay = Math.min(delay * 2, backoff.maxMs);
        await payload.heartbeat().catch(() => undefined);
      }
    }
    const last = batch.messages[batch.messages.length - 1];
    if (last) {
      metrics.lag.set(
        { topic: batch.topic, partition: String(batch.partition) },
        Math.max(0, Number(batch.highWatermark) - Number(last.offset) - 1),
      );
    }
    timer();
  };

  const processBatch = async ({
    batch,
    resolveOffset,
    commitOffsetsIfNecessary,
  }: EachBatchPayload): Promise<void> => {
    const records: InputRecord<T>[] = [];
    const undecodable: Map<number, Outcome> = new Map();
    for (const [i, message] of batch.messages.entries()) {
      const value = message.value;
      if (!value || wireSchemaId(value) === undefined) {
        undecodable.set(i, {
          kind: 'dead-letter',
          code: 'LRS_ERR_NOT_AVRO',
          message: 'The record value is not Confluent-framed Avro.',
          payload: value ?? null,
        });
        continue;
      }
      try {
        records.push({
          topic: batch.topic,
          partition: batch.partition,
          offset: message.offset,
          key: message.key,
          value: await codec.decode<T>(value),
          timestamp: Number(message.timestamp),
        });
      } catch (err) {
        if (isTransient(err))
          throw new RetryableError('LRS_ERR_REGISTRY', 'schema registry unavailable', { cause: err });
        undecodable.set(i, {
          kind: 'dead-letter',
          code: 'LRS_ERR_AVRO_DECODE',
          message: 'The record value does not decode with its registered schema.',
          payload: value,
        });
      }
    }
    const processed = records.length > 0 ? await options.process(records) : [];
    if (processed.length !== records.length)
      throw new Error(`stage ${options.stage}: ${processed.length} outcomes for ${records.length} records`);

    // Reassemble outcomes in input order (undecodable records have theirs already).
    const outcomes: Outcome[] = [];
    let next = 0;
    for (let i = 0; i < batch.messages.length; i += 1)
      outcomes.push(undecodable.get(i) ?? (processed[next++] as Outcome));

    const byTopic = new Map<string, KafkaMessage[]>();
    const add = (topic: TopicId, key: string, value: Buffer, timestamp?: number) => {
      const name = TOPICS[topic];
      const list = byTopic.get(name) ?? [];
      list.push(timestamp === undefined ? { key, value } : { key, value, timestamp: String(timestamp) });
      byTopic.set(name, list);
    };
    const counts = {
      passed: 0,
      produced: new Map<string, number>(),
      deadLettered: new Map<string, number>(),
      filtered: new Map<string, number>(),
    };
    const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    for (const [i, planned] of outcomes.entries()) {
      let outcome = planned;
      const message = batch.messages[i];
      if (!message) continue;
      let encoded: Buffer[] = [];
      if (outcome.kind === 'emit') {
        encoded = await Promise.all(outcome.outputs.map((out) => encode(out.topic, out.value)));
        // A record Kafka would refuse can never succeed: dead-letter it (retrying would stall the partition).
        if (encoded.some((b) => b.length > maxRecordBytes)) {
          outcome = {
            kind: 'dead-letter',
            code: 'LRS_ERR_RECORD_TOO_LARGE',
            message: `An output record exceeds ${maxRecordBytes} bytes; the input stays at its source offset.`,
            payload: message.value && message.value.length <= maxRecordBytes / 2 ? message.value : null,
          };
        }
      }
      switch (outcome.kind) {
        case 'emit':
          // An input that yields nothing is accounted for as filtered, never silently dropped.
          if (outcome.outputs.length === 0) bump(counts.filtered, 'no-output');
          else counts.passed += 1;
          for (const [j, out] of outcome.outputs.entries()) {
            add(out.topic, out.key, encoded[j] as Buffer, out.timestamp);
            bump(counts.produced, TOPICS[out.topic]);
          }
          break;
        case 'dead-letter': {
          const letter: DeadLetter = {
            event_id: outcome.eventId ?? null,
            stage: options.stage,
            error_code: outcome.code,
            error_message: outcome.message,
            error_pointer: outcome.pointer ?? null,
            source_topic: batch.topic,
            source_partition: batch.partition,
            source_offset: Number(message.offset),
            payload: outcome.payload ?? null,
            failed_at: Date.now(),
          };
          add(
            options.deadLetter,
            outcome.eventId ?? `${batch.topic}/${batch.partition}/${message.offset}`,
            await encode(options.deadLetter, letter),
          );
          bump(counts.deadLettered, outcome.code);
          log.info(
            {
              code: outcome.code,
              pointer: outcome.pointer ?? null,
              partition: batch.partition,
              offset: message.offset,
            },
            'dead-lettered',
          );
          break;
        }
        case 'filtered':
          bump(counts.filtered, outcome.rule);
          break;
        case 'delivered':
          counts.passed += 1;
          bump(counts.produced, outcome.sink);
          break;
      }
    }
    // Kafka limits the size of a produce request's record batch: send in bounded chunks.
    for (const chunk of chunkMessages(byTopic, maxRequestBytes)) {
      await producer.sendBatch({ acks: -1, topicMessages: chunk });
    }
    // Durable: now the input may be acknowledged.
    const last = batch.messages[batch.messages.length - 1];
    if (last) resolveOffset(last.offset);
    await commitOffsetsIfNecessary();
    metrics.consumed.inc(batch.messages.length);
    metrics.passed.inc(counts.passed);
    for (const [topic, n] of counts.produced) metrics.produced.inc({ topic }, n);
    for (const [code, n] of counts.deadLettered) metrics.deadLettered.inc({ code }, n);
    for (const [rule, n] of counts.filtered) metrics.filtered.inc({ rule }, n);
  };

  await consumer.run({ eachBatchAutoResolve: false, autoCommit: false, eachBatch: handleBatch });
  log.info({ input: TOPICS[options.input], group: options.groupId }, 'stage started');
  return {
    ready: () => joined && !stopping,
    async stop() {
      stopping = true;
      // disconnect() waits for the batch in hand, which commits before returning.
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}

/** Network-level failures of Kafka, the registry or a sink: retry rather than dead-letter. */
export function isTransient(err: unknown): boolean {
  if (err instanceof RetryableError) return true;
  if (err instanceof PoisonError) return false;
  const e = err as {
    name?: string;
    code?: string;
    retriable?: boolean;
    status?: number;
    cause?: unknown;
    message?: string;
  };
  if (e?.retriable === true) return true;
  if (typeof e?.status === 'number' && (e.status === 429 || e.status >= 500)) return true;
  if (
    e?.name &&
    /^KafkaJS(Connection|NumberOfRetriesExceeded|RequestTimeout|BrokerNotFound|Timeout)/.test(e.name)
  )
    return true;
  const code = e?.code ?? (e?.cause as { code?: string } | undefined)?.code;
  if (
    code &&
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'EPIPE',
      'UND_ERR_SOCKET',
      'UND_ERR_CONNECT_TIMEOUT',
    ].includes(code)
  )
    return true;
  return e?.message === 'fetch failed';
}

/** Splits messages into produce requests of at most `maxBytes` of values (a larger single record goes alone). */
export function chunkMessages(
  byTopic: Map<string, KafkaMessage[]>,
  maxBytes: number,
): { topic: string; messages: KafkaMessage[] }[][] {
  const chunks: { topic: string; messages: KafkaMessage[] }[][] = [];
  let current = new Map<string, KafkaMessage[]>();
  let size = 0;
  const flush = () => {
    if (current.size > 0) chunks.push([...current].map(([topic, messages]) => ({ topic, messages })));
    current = new Map();
    size = 0;
  };
  for (const [topic, messages] of byTopic) {
    for (const message of messages) {
      if (size > 0 && size + message.value.length > maxBytes) flush();
      const list = current.get(topic) ?? [];
      list.push(message);
      current.set(topic, list);
      size += message.value.length + message.key.length;
    }
  }
  flush();
  return chunks;
}
