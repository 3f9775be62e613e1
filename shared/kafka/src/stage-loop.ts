// The consume -> process -> produce -> commit loop of a pipeline stage, for one batch of one
// partition, with no Kafka client in it: records come in, outputs and dead letters go out through
// `send`, the next offset goes to `commit`. stage.ts drives it with kafkajs; tests drive it with
// fakes (as Kafka Streams' TopologyTestDriver allows).
//
// What it guarantees, batch by batch:
// - `commit` is called only after `send` resolved, i.e. every output and dead letter of the batch
//   was acknowledged (or, for the index stage, Elasticsearch acknowledged inside `process`).
// - Every record ends in exactly one place: an output, a dead letter with a code, filtered by a
//   named rule, or delivered by the stage itself. No record can block its partition: three
//   handlers turn what would be an exception into a dead letter —
//     deserialization (null value, missing key, not Avro, unknown or foreign schema id, bad bytes),
//     processing (anything `process` throws that is not retryable, isolated to the record),
//     production (an output too large or not encodable; a dead letter is always made to fit).
// - A retryable failure retries the whole batch with backoff, within a time budget; when the
//   budget is spent the batch is handed back as `stalled` (the adapter pauses the partition and
//   readiness fails) — nothing is committed, nothing skipped.
import { classifyError, describeErrorSafely, RetryableError, type Logger } from '@lrstream/runtime';
import { TOPICS, type DeadLetter, type TopicId } from '@lrstream/schemas';
import { encodeDeadLetterWithin, type DeadLetterInput } from './dead-letter.js';
import type { InputDecoder } from './input-decoder.js';
import type { StageMetrics } from './metrics.js';

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
      /**
       * The dead letter's failed_at and Kafka record time (ms): the stage's clock when absent. A
       * stage whose records carry coarsened times gives coarsened ones, or the exact time of the
       * failure would tell when the event was received.
       */
      failedAt?: number;
    }
  | { kind: 'filtered'; rule: string }
  /** Delivered by the stage itself (the index stage writes to Elasticsearch). */
  | { kind: 'delivered'; sink: string };

export interface SourceRecord {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Kafka record timestamp (ms, as a string, as Kafka clients give it). */
  timestamp: string;
}

export interface SourceBatch {
  topic: string;
  partition: number;
  records: SourceRecord[];
  /** The partition's high watermark when fetched (for the lag gauge). */
  highWatermark?: string;
}

export interface ProduceRecord {
  topic: string;
  key: string;
  value: Buffer;
  timestamp?: string;
}

export interface StageLoopPorts<T> {
  decoder: InputDecoder<T>;
  /** One outcome per record, same order. Throw a retryable error to retry the whole batch. */
  process(records: InputRecord<T>[]): Promise<Outcome[]>;
  /** Encodes a value for a topic with the schema registered for it. */
  encode(topic: TopicId, value: object): Promise<Buffer>;
  /** Writes records; resolves once every one was acknowledged (acks=all). */
  send(records: ProduceRecord[][]): Promise<void>;
  /** Records `nextOffset` as the partition's committed position. */
  commit(topic: string, partition: number, nextOffset: string): Promise<void>;
  sleep?(ms: number): Promise<void>;
  now?(): number;
}

export interface StageLoopOptions<T> extends StageLoopPorts<T> {
  stage: string;
  deadLetter: TopicId;
  log: Logger;
  metrics: StageMetrics;
  /** Largest encoded record Kafka accepts (default 900 kB, under Kafka's default 1 MB). */
  maxRecordBytes?: number;
  /** Bytes of record values per produce request (default 512 kB). */
  maxRequestBytes?: number;
  /** Backoff bounds for retryable failures (ms). */
  backoff?: { initialMs: number; maxMs: number };
  /** How long one batch may keep failing with retryable errors before it is handed back stalled. */
  retryBudgetMs?: number;
}

/** What the adapter learns from the loop, and should do about the batch. */
export interface BatchControl {
  /** False once the batch is no longer ours (stopping, rebalanced, stale): stop retrying. */
  isActive(): boolean;
  heartbeat(): Promise<void>;
}

export type BatchResult =
  /** Outputs acknowledged; `committed` says whether the commit itself succeeded. */
  | { kind: 'done'; nextOffset: string; committed: boolean }
  /** No longer ours: nothing committed, the records come again to whoever owns the partition. */
  | { kind: 'abandoned' }
  /** The retry budget was spent on a retryable failure: nothing committed. */
  | { kind: 'stalled'; code: string };

export const LOOP_CODES = {
  processing: 'LRS_ERR_PROCESSING',
  encode: 'LRS_ERR_ENCODE',
  tooLarge: 'LRS_ERR_RECORD_TOO_LARGE',
  produce: 'LRS_ERR_PRODUCE',
} as const;

type DeadLetterOutcome = Extract<Outcome, { kind: 'dead-letter' }>;

export interface StageLoop {
  handle(batch: SourceBatch, control: BatchControl): Promise<BatchResult>;
}

export function createStageLoop<T>(options: StageLoopOptions<T>): StageLoop {
  const { log, metrics, stage } = options;
  const maxRecordBytes = options.maxRecordBytes ?? 900_000;
  const maxRequestBytes = options.maxRequestBytes ?? 512 * 1024;
  const backoff = options.backoff ?? { initialMs: 250, maxMs: 15_000 };
  const budgetMs = options.retryBudgetMs ?? 120_000;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  /** Waits `ms`, in short steps, returning early when the batch stops being ours. */
  const pause = async (ms: number, control: BatchControl) => {
    const end = now() + ms;
    while (control.isActive() && now() < end) await sleep(Math.min(250, end - now()));
  };

  /** A record `process` failed on: its dead letter, its reason without the record's data. */
  const processingFailure = (err: unknown, record: InputRecord<T>): DeadLetterOutcome => {
    const e = err as { code?: unknown; retryable?: unknown; message?: unknown; pointer?: unknown };
    metrics.processingErrors.inc();
    log.error(
      { error: describeErrorSafely(err), partition: record.partition, offset: record.offset },
      'stage code failed on a record; dead-lettering it',
    );
    // An error our own code raised on purpose (not retryable, with a code) says why in words meant
    // for a dead letter; anything else is named only by its class and code.
    if (e.retryable === false && typeof e.code === 'string' && typeof e.message === 'string')
      return {
        kind: 'dead-letter',
        code: e.code,
        message: e.message,
        pointer: typeof e.pointer === 'string' ? e.pointer : null,
      };
    return {
      kind: 'dead-letter',
      code: LOOP_CODES.processing,
      message: `The ${stage} stage failed on this record: ${describeErrorSafely(err)}.`,
    };
  };

  /** The processing handler: the batch at once; on a non-retryable failure, record by record. */
  const processAll = async (records: InputRecord<T>[]): Promise<Outcome[]> => {
    if (records.length === 0) return [];
    try {
      const outcomes = await options.process(records);
      if (outcomes.length === records.length) return outcomes;
      throw new Error(`process gave ${outcomes.length} outcomes for ${records.length} records`);
    } catch (err) {
      if (classifyError(err).retryable) throw err;
    }
    const outcomes: Outcome[] = [];
    for (const record of records) {
      try {
        const [outcome, ...extra] = await options.process([record]);
        if (!outcome || extra.length > 0) throw new Error('process gave no single outcome for one record');
        outcomes.push(outcome);
      } catch (err) {
        if (classifyError(err).retryable) throw err;
        outcomes.push(processingFailure(err, record));
      }
    }
    return outcomes;
  };

  const encodeDeadLetter = (input: DeadLetterInput) =>
    encodeDeadLetterWithin(input, maxRecordBytes, (letter: DeadLetter) =>
      options.encode(options.deadLetter, letter),
    );

  const attempt = async (batch: SourceBatch): Promise<BatchResult & { kind: 'done' }> => {
    const { topic, partition, records } = batch;
    const planned: (Outcome | undefined)[] = new Array(records.length);
    const inputs: InputRecord<T>[] = [];
    const inputAt: number[] = [];
    for (const [i, record] of records.entries()) {
      const decoded = await options.decoder.decode(record); // throws only retryable errors
      if (!decoded.ok) {
        planned[i] = {
          kind: 'dead-letter',
          code: decoded.code,
          message: decoded.message,
          payload: record.value,
        };
        continue;
      }
      inputs.push({
        topic,
        partition,
        offset: record.offset,
        key: record.key,
        value: decoded.value,
        timestamp: Number(record.timestamp),
      });
      inputAt.push(i);
    }
    for (const [j, outcome] of (await processAll(inputs)).entries()) planned[inputAt[j] as number] = outcome;

    const byTopic = new Map<string, ProduceRecord[]>();
    const add = (record: ProduceRecord) => {
      const list = byTopic.get(record.topic) ?? [];
      list.push(record);
      byTopic.set(record.topic, list);
    };
    const counts = {
      passed: 0,
      produced: new Map<string, number>(),
      deadLettered: new Map<string, number>(),
      filtered: new Map<string, number>(),
    };
    const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

    for (const [i, record] of records.entries()) {
      let outcome = planned[i] as Outcome;
      // The production handler: outputs that cannot be written become the input's dead letter.
      let encoded: Buffer[] = [];
      if (outcome.kind === 'emit') {
        try {
          encoded = await Promise.all(outcome.outputs.map((out) => options.encode(out.topic, out.value)));
          if (encoded.some((b) => b.length > maxRecordBytes))
            outcome = {
              kind: 'dead-letter',
              code: LOOP_CODES.tooLarge,
              message: `An output record exceeds ${maxRecordBytes} bytes; the input stays at its source offset.`,
              payload: record.value,
            };
        } catch (err) {
          if (classifyError(err).retryable) throw err;
          outcome = {
            kind: 'dead-letter',
            code: LOOP_CODES.encode,
            message: `An output of the ${stage} stage does not encode with its topic's schema: ${describeErrorSafely(err)}.`,
            payload: record.value,
          };
        }
      }
      switch (outcome.kind) {
        case 'emit':
          // An input that yields nothing is accounted for as filtered, never silently dropped.
          if (outcome.outputs.length === 0) bump(counts.filtered, 'no-output');
          else counts.passed += 1;
          for (const [j, out] of outcome.outputs.entries()) {
            const value = encoded[j] as Buffer;
            const name = TOPICS[out.topic];
            add(
              out.timestamp === undefined
                ? { topic: name, key: out.key, value }
                : { topic: name, key: out.key, value, timestamp: String(out.timestamp) },
            );
            bump(counts.produced, name);
          }
          break;
        case 'dead-letter': {
          const { value } = await encodeDeadLetter({
            stage,
            code: outcome.code,
            message: outcome.message,
            pointer: outcome.pointer ?? null,
            eventId: outcome.eventId ?? null,
            // Without a payload of the stage's choosing, the input's own bytes (to be redriven).
            payload: outcome.payload === undefined ? record.value : outcome.payload,
            source: { topic, partition, offset: record.offset },
            failedAt: outcome.failedAt ?? now(),
          });
          add({
            topic: TOPICS[options.deadLetter],
            key: outcome.eventId ?? `${topic}/${partition}/${record.offset}`,
            value,
            ...(outcome.failedAt !== undefined ? { timestamp: String(outcome.failedAt) } : {}),
          });
          bump(counts.deadLettered, outcome.code);
          // No pointer in logs: a JSON pointer names object keys, which can be personal data.
          log.info({ code: outcome.code, partition, offset: record.offset }, 'dead-lettered');
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

    try {
      await options.send(chunkMessages(byTopic, maxRequestBytes));
    } catch (err) {
      const { code, retryable } = classifyError(err);
      // A refused write is never a reason to skip the batch: retried, then stalled, never dropped.
      throw new RetryableError(
        retryable ? code : LOOP_CODES.produce,
        'Kafka did not acknowledge the outputs.',
        {
          cause: err,
        },
      );
    }

    // Durable: now the input may be acknowledged.
    const last = records[records.length - 1] as SourceRecord;
    const nextOffset = (BigInt(last.offset) + 1n).toString();
    let committed = true;
    try {
      await options.commit(topic, partition, nextOffset);
    } catch (err) {
      // Outputs are durable; a failed commit only means these records may be read again (a later
      // batch's commit covers them). Retrying the batch would duplicate every output.
      committed = false;
      metrics.commitFailures.inc();
      log.warn({ error: describeErrorSafely(err), partition, nextOffset }, 'offset commit failed');
    }
    metrics.consumed.inc(records.length);
    metrics.passed.inc(counts.passed);
    for (const [name, n] of counts.produced) metrics.produced.inc({ topic: name }, n);
    for (const [code, n] of counts.deadLettered) metrics.deadLettered.inc({ code }, n);
    for (const [rule, n] of counts.filtered) metrics.filtered.inc({ rule }, n);
    if (batch.highWatermark !== undefined)
      metrics.lag.set(
        { topic, partition: String(partition) },
        Math.max(0, Number(batch.highWatermark) - Number(nextOffset)),
      );
    return { kind: 'done', nextOffset, committed };
  };

  return {
    async handle(batch, control) {
      if (batch.records.length === 0) return { kind: 'abandoned' };
      const timer = metrics.processingSeconds.startTimer();
      metrics.batchSize.observe(batch.records.length);
      const started = now();
      let delay = backoff.initialMs;
      try {
        for (;;) {
          if (!control.isActive()) return { kind: 'abandoned' };
          try {
            return await attempt(batch);
          } catch (err) {
            const { code, retryable } = classifyError(err);
            // Not retryable here means a defect of the stage runtime itself: let it crash the
            // consumer (the service exits and is restarted; nothing was committed).
            if (!retryable) throw err;
            metrics.retries.inc({ code });
            if (now() - started + delay > budgetMs) {
              log.error(
                { code, partition: batch.partition, budgetMs },
                'retry budget spent; the partition is paused',
              );
              return { kind: 'stalled', code };
            }
            log.warn(
              { code, error: describeErrorSafely(err), delayMs: delay, partition: batch.partition },
              'retryable failure, backing off',
            );
            await pause(delay, control);
            await control.heartbeat().catch(() => undefined);
            delay = Math.min(delay * 2, backoff.maxMs);
          }
        }
      } finally {
        timer();
      }
    },
  };
}

/** Splits messages into produce requests of at most `maxBytes` of values (a larger single record goes alone). */
export function chunkMessages(byTopic: Map<string, ProduceRecord[]>, maxBytes: number): ProduceRecord[][] {
  const chunks: ProduceRecord[][] = [];
  let current: ProduceRecord[] = [];
  let size = 0;
  for (const messages of byTopic.values()) {
    for (const message of messages) {
      const bytes = message.value.length + Buffer.byteLength(message.key);
      if (size > 0 && size + bytes > maxBytes) {
        chunks.push(current);
        current = [];
        size = 0;
      }
      current.push(message);
      size += bytes;
    }
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
