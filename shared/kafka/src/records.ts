// Reading records by position and writing records atomically, for tools that work on topics after
// the fact (replay: dead-letter redrive, the redrive ledger). Raw records: bytes, key, headers and
// position, exactly as Kafka holds them; decoding is the caller's business.
//
// Reading uses a consumer in a throwaway group that never commits: kafkajs has no assign(), so the
// reader subscribes, seeks each partition to the start of the range it wants and follows the
// positions Kafka reports (control records and compacted gaps included), then leaves and deletes its
// group. Consumers read committed records only (kafkajs' default), like the pipeline's stages.
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, IHeaders, Kafka, Producer, RecordMetadata } from 'kafkajs';
import { groupOffsets, offsetsForTimestamp, topicBounds, type PartitionBounds } from './groups.js';

export interface KafkaRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Header values as Kafka holds them (the last value when a header repeats). */
  headers: Record<string, Buffer>;
  /** Kafka record timestamp (ms, as a string). */
  timestamp: string;
}

/** `<topic>/<partition>/<offset>`: how replay names a record's position (ledger keys, headers). */
export const recordCoordinates = (
  topic: string,
  partition: number,
  offset: string | bigint | number,
): string => `${topic}/${partition}/${String(offset)}`;

async function withAdmin<T>(kafka: Kafka, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Low and high offsets of every partition of `topic` (groups.ts asks Kafka). */
export async function partitionBounds(
  kafka: Kafka,
  topic: string,
): Promise<Map<number, Omit<PartitionBounds, 'partition'>>> {
  return new Map(
    (await topicBounds(kafka, topic)).map(({ partition, low, high }) => [partition, { low, high }]),
  );
}

/** For each partition, the first offset whose record time is at or after `at` (ms); the end when none. */
export const offsetsAtTime = offsetsForTimestamp;

/** A consumer group's committed offset per partition of `topic` (-1: none). */
export async function committedOffsets(
  kafka: Kafka,
  groupId: string,
  topic: string,
): Promise<Map<number, bigint>> {
  return new Map([...(await groupOffsets(kafka, groupId, topic))].map(([p, o]) => [p, o ?? -1n]));
}

export interface OffsetRange {
  /** First offset wanted. */
  from: bigint;
  /** One past the last offset wanted. */
  to: bigint;
}

export interface ScanOptions {
  /** Names the throwaway consumer group (`<clientId>-<uuid>`). */
  clientId: string;
  /** Fails the scan when no progress was made for this long (default 60 s). */
  idleTimeoutMs?: number;
}

const headerBuffers = (headers: IHeaders | undefined): Record<string, Buffer> => {
  const out: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last === undefined) continue;
    out[name] = Buffer.isBuffer(last) ? last : Buffer.from(String(last));
  }
  return out;
};

/**
 * Reads the given offset ranges of `topic`, partition by partition and range by range in order,
 * calling `onRecord` once per record in a range. Ranges must be sorted and not overlap. Offsets in
 * a range that hold no record (expired, compacted away, control records, aborted transactions) are
 * simply not reported. Resolves when every range was read to its end.
 */
export async function scanRanges(
  kafka: Kafka,
  topic: string,
  ranges: ReadonlyMap<number, readonly OffsetRange[]>,
  onRecord: (record: KafkaRecord) => void | Promise<void>,
  options: ScanOptions,
): Promise<void> {
  const bounds = await partitionBounds(kafka, topic);
  // What is left to read, per partition; ranges are clipped to what Kafka holds.
  const pending = new Map<number, OffsetRange[]>();
  for (const [partition, list] of ranges) {
    const b = bounds.get(partition);
    if (!b) continue;
    const clipped = list
      .map((r) => ({ from: r.from < b.low ? b.low : r.from, to: r.to > b.high ? b.high : r.to }))
      .filter((r) => r.from < r.to);
    if (clipped.length > 0) pending.set(partition, clipped);
  }
  if (pending.size === 0) return;

  const groupId = `${options.clientId}-${randomUUID()}`;
  const consumer: Consumer = kafka.consumer({
    groupId,
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxWaitTimeInMs: 250,
  });
  const idleMs = options.idleTimeoutMs ?? 60_000;
  let lastProgress = Date.now();
  let failure: unknown;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));

  const current = (partition: number) => pending.get(partition)?.[0];
  const seekNext = (partition: number) => {
    const next = current(partition);
    if (next) consumer.seek({ topic, partition, offset: next.from.toString() });
    else {
      pending.delete(partition);
      consumer.pause([{ topic, partitions: [partition] }]);
      if (pending.size === 0) finish();
    }
  };
  /** The reader's position in `partition` moved to `position`: drop the ranges it passed. */
  const advance = (partition: number, position: bigint) => {
    const list = pending.get(partition);
    if (!list) return;
    let moved = false;
    while (list.length > 0 && position >= (list[0] as OffsetRange).to) {
      list.shift();
      moved = true;
    }
    if (moved) seekNext(partition);
  };

  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: false });
    /** The range a batch starting at `first` belongs to, or undefined for a batch fetched elsewhere. */
    const rangeOf = (partition: number, first: string | null | undefined): OffsetRange | undefined => {
      const range = current(partition);
      if (!range || first === null || first === undefined) return undefined;
      const at = BigInt(first);
      return at >= range.from && at < range.to ? range : undefined;
    };
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      // Every batch ends here, batches of control records only (transaction markers) included: the
      // position moves past what it covered. A batch fetched before our seek (the group's start
      // position) is not ours and moves nothing.
      if (payload.topic !== topic || !rangeOf(payload.partition, payload.firstOffset)) return;
      lastProgress = Date.now();
      advance(payload.partition, BigInt(payload.lastOffset) + 1n);
    });
    await consumer.run({
      autoCommit: false,
      // Resolving each batch moves the fetch position on (nothing is committed: autoCommit is off);
      // without it the consumer would fetch the same batch again and again.
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        try {
          const range = rangeOf(batch.partition, batch.firstOffset());
          if (!range) {
            const wanted = current(batch.partition);
            if (wanted) consumer.seek({ topic, partition: batch.partition, offset: wanted.from.toString() });
            return;
          }
          for (const message of batch.messages) {
            const offset = BigInt(message.offset);
            if (offset < range.from || offset >= range.to) continue;
            await onRecord({
              topic,
              partition: batch.partition,
              offset: message.offset,
              key: message.key ?? null,
              value: message.value ?? null,
              headers: headerBuffers(message.headers),
              timestamp: message.timestamp,
            });
          }
        } catch (err) {
          failure = err;
          finish();
        }
      },
    });
    for (const partition of bounds.keys()) {
      if (pending.has(partition)) seekNext(partition);
      else consumer.pause([{ topic, partitions: [partition] }]);
    }
    const watchdog = setInterval(() => {
      if (Date.now() - lastProgress > idleMs) {
        failure = new Error(
          `reading ${topic} made no progress for ${Math.round(idleMs / 1000)} s (an open transaction or an unreachable broker)`,
        );
        finish();
      }
    }, 1000);
    try {
      await finished;
    } finally {
      clearInterval(watchdog);
    }
    if (failure !== undefined) throw failure;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await withAdmin(kafka, (admin) => admin.deleteGroups([groupId])).catch(() => undefined);
  }
}

export type MissingReason = 'expired' | 'beyond-end' | 'absent';

export interface RecordsAt {
  /** By `<partition>/<offset>`. */
  found: Map<string, KafkaRecord>;
  /** Why a wanted offset has no record: below the partition's low offset, at or past its end, or a gap. */
  missing: Map<string, MissingReason>;
}

/** Offsets closer than this are read in one range rather than seeking between them. */
const READ_THROUGH_GAP = 2000n;

/** The records at these offsets of `topic` (partition -> offsets), exactly as Kafka holds them. */
export async function readRecordsAt(
  kafka: Kafka,
  topic: string,
  wanted: ReadonlyMap<number, Iterable<bigint>>,
  options: ScanOptions,
): Promise<RecordsAt> {
  const bounds = await partitionBounds(kafka, topic);
  const result: RecordsAt = { found: new Map(), missing: new Map() };
  const want = new Set<string>();
  const ranges = new Map<number, OffsetRange[]>();
  for (const [partition, offsets] of wanted) {
    const b = bounds.get(partition);
    const sorted = [...new Set([...offsets].map(String))]
      .map(BigInt)
      .sort((a, b2) => (a < b2 ? -1 : a > b2 ? 1 : 0));
    const list: OffsetRange[] = [];
    for (const offset of sorted) {
      const key = `${partition}/${offset}`;
      if (!b || offset >= b.high) result.missing.set(key, 'beyond-end');
      else if (offset < b.low) result.missing.set(key, 'expired');
      else {
        want.add(key);
        const last = list[list.length - 1];
        if (last && offset - (last.to - 1n) <= READ_THROUGH_GAP) last.to = offset + 1n;
        else list.push({ from: offset, to: offset + 1n });
      }
    }
    if (list.length > 0) ranges.set(partition, list);
  }
  await scanRanges(
    kafka,
    topic,
    ranges,
    (record) => {
      const key = `${record.partition}/${record.offset}`;
      if (want.has(key)) result.found.set(key, record);
    },
    options,
  );
  for (const key of want) if (!result.found.has(key)) result.missing.set(key, 'absent');
  return result;
}

export interface OutgoingRecord {
  key: Buffer | string | null;
  value: Buffer | null;
  /** The partition to write to; the offsets of a send are known only when every record names one. */
  partition?: number;
  headers?: Record<string, string | Buffer>;
  timestamp?: string;
}

export interface TransactionScope {
  /** Sends within the transaction; resolves with each record's offset (when partitions were given). */
  send(topic: string, records: readonly OutgoingRecord[]): Promise<(string | undefined)[]>;
}

export interface TransactionalWriter {
  /**
   * Runs `work` in one Kafka transaction: everything it sent becomes visible to read-committed
   * consumers at once, or (when `work` or the commit throws) never.
   */
  transaction<T>(work: (scope: TransactionScope) => Promise<T>): Promise<T>;
  disconnect(): Promise<void>;
}

/** Offsets of records sent to explicit partitions: the partition's base offset plus the record's rank. */
function offsetsOf(records: readonly OutgoingRecord[], metadata: RecordMetadata[]): (string | undefined)[] {
  const base = new Map<number, bigint>();
  for (const m of metadata) if (m.baseOffset !== undefined) base.set(m.partition, BigInt(m.baseOffset));
  const rank = new Map<number, bigint>();
  return records.map((r) => {
    if (r.partition === undefined) return undefined;
    const first = base.get(r.partition);
    const n = rank.get(r.partition) ?? 0n;
    rank.set(r.partition, n + 1n);
    return first === undefined ? undefined : (first + n).toString();
  });
}

/**
 * A transactional producer. Connecting claims `transactionalId`: a previous producer with the same
 * id (another run of the same tool, a crashed one) is fenced off and its open transaction aborted,
 * so at most one writer per id is ever active.
 */
export async function createTransactionalWriter(
  kafka: Kafka,
  transactionalId: string,
  options: { transactionTimeoutMs?: number } = {},
): Promise<TransactionalWriter> {
  const producer: Producer = kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: options.transactionTimeoutMs ?? 60_000,
  });
  await producer.connect();
  // Claim the transactional id now: kafkajs sends InitProducerId (which fences an earlier holder of
  // the id and completes its open transaction) only at the first transaction, i.e. after the caller
  // has read state that the earlier holder may still be changing. An empty transaction sends nothing
  // else.
  const claim = await producer.transaction();
  await claim.abort();
  return {
    async transaction(work) {
      const tx = await producer.transaction();
      try {
        const result = await work({
          async send(topic, records) {
            if (records.length === 0) return [];
            const metadata = await tx.send({
              topic,
              acks: -1,
              messages: records.map((r) => ({
                key: r.key,
                value: r.value,
                ...(r.partition !== undefined ? { partition: r.partition } : {}),
                ...(r.headers ? { headers: r.headers } : {}),
                ...(r.timestamp !== undefined ? { timestamp: r.timestamp } : {}),
              })),
            });
            return offsetsOf(records, metadata);
          },
        });
        await tx.commit();
        return result;
      } catch (err) {
        await tx.abort().catch(() => undefined);
        throw err;
      }
    },
    disconnect: () => producer.disconnect(),
  };
}
