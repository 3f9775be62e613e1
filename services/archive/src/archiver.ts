// The archive's core, with no Kafka client in it: records of each held partition are gathered into
// an open object, which is written to the store when it is full (ARCHIVE_MAX_RECORDS/_BYTES), when
// the next record belongs to another UTC hour, or when it has been open ARCHIVE_FLUSH_INTERVAL_MS.
//
// Exactly-once objects. The store is the record of what is archived (object names are offset
// ranges): on every assignment each partition resumes at the store's last archived offset + 1,
// never at a committed offset. Before reading on from there, the archive looks for an object that
// starts exactly there (written before a crash, its manifest entry or state not) and adopts it. So:
// - a crash before a PUT loses only the open object, which is read again from Kafka;
// - a crash after a PUT and before the manifest, state or offset commit rewrites nothing;
// - a retry of the same range (a PUT that failed, retried) gives the same name and bytes.
// Object boundaries depend on timing (the flush interval), which is harmless: boundaries are
// chosen only for records not yet in the store, and nothing before the resume point is read.
import {
  adoptObjectAt,
  buildObject,
  envelopeLine,
  hourStart,
  resumePoint,
  writeObject,
  type ArchiveRecord,
  type ObjectStore,
} from '@lrstream/archive';
import type { BatchHandle, PartitionBatch, TopicPartition } from '@lrstream/kafka';
import { classifyError, describeErrorSafely, type Logger } from '@lrstream/runtime';
import type { ArchiveMetrics } from './metrics.js';

export interface ArchiverPorts {
  store: ObjectStore;
  log: Logger;
  metrics: ArchiveMetrics;
  /** The record's decoded value, or why it could not be decoded. Throws only retryable errors. */
  decode(
    topic: string,
    record: { key: Buffer | null; value: Buffer | null },
  ): Promise<{ ok: true; value: unknown } | { ok: false; code: string }>;
  seek(tp: TopicPartition, offset: string): void;
  commit(tp: TopicPartition, nextOffset: string): Promise<void>;
  watermarks(topic: string): Promise<Map<number, { low: string; high: string }>>;
  committed(topic: string): Promise<Map<number, string>>;
  schemaIdOf(value: Buffer | null): number | null;
  startFrom: 'earliest' | 'latest';
  maxRecords: number;
  maxBytes: number;
  flushIntervalMs: number;
  retryBudgetMs: number;
  now?(): number;
  sleep?(ms: number): Promise<void>;
}

interface Line {
  offset: number;
  timestamp: number;
  line: string;
}

interface PartitionState extends TopicPartition {
  /** The next offset to read into the open object. */
  next: number;
  /** Whether the store was checked for an object starting at `next` (see adoptObjectAt). */
  checked: boolean;
  /** True until the first record after a seek: a batch from before the seek is dropped. */
  seeking: boolean;
  lines: Line[];
  bytes: number;
  hour: number;
  openedAt: number;
  high: number;
}

export interface Archiver {
  /** After every join: drop open objects, resume each held partition from the store, seek. */
  assign(held: TopicPartition[]): Promise<void>;
  handleBatch(batch: PartitionBatch, handle: BatchHandle): Promise<void>;
  /** Writes open objects older than the flush interval. */
  flushDue(): Promise<void>;
  /** Writes every open object (graceful stop). */
  flushAll(): Promise<void>;
  /** False while a write keeps failing. */
  healthy(): boolean;
}

const keyOf = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

export function createArchiver(ports: ArchiverPorts): Archiver {
  const { store, log, metrics } = ports;
  const now = ports.now ?? Date.now;
  const sleep = ports.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const partitions = new Map<string, PartitionState>();
  let failing = false;
  // One thing at a time: assignment, batches and timed flushes never interleave.
  let lock: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = lock.then(fn, fn);
    lock = run.catch(() => undefined);
    return run;
  };

  const labels = (st: TopicPartition) => ({ topic: st.topic, partition: String(st.partition) });
  const setGauges = (st: PartitionState) => {
    metrics.openRecords.set(labels(st), st.lines.length);
    const archivedEnd = st.next - st.lines.length - 1;
    if (st.high > 0) metrics.lag.set(labels(st), Math.max(0, st.high - archivedEnd - 1));
  };

  /** Retries a store operation with backoff within the budget; then throws (the consumer restarts). */
  const withRetry = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const deadline = now() + ports.retryBudgetMs;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const result = await fn();
        failing = false;
        return result;
      } catch (err) {
        const { code, retryable } = classifyError(err);
        metrics.errors.inc({ code });
        failing = true;
        if (!retryable || now() >= deadline) throw err;
        log.warn({ error: describeErrorSafely(err), code, attempt }, `${what} failed; retrying.`);
        await sleep(Math.min(250 * 2 ** (attempt - 1), 15_000));
      }
    }
  };

  const flush = async (st: PartitionState, reason: string): Promise<void> => {
    if (st.lines.length === 0) return;
    const built = buildObject(st.topic, st.partition, st.lines);
    const began = now();
    await withRetry('Writing an archive object', () => writeObject(store, built));
    metrics.writeSeconds.observe((now() - began) / 1000);
    metrics.records.inc({ topic: st.topic }, built.entry.records);
    metrics.objects.inc({ topic: st.topic });
    metrics.bytes.inc({ topic: st.topic }, built.entry.bytes);
    metrics.lastArchivedOffset.set(labels(st), built.entry.end);
    log.info(
      { topic: st.topic, partition: st.partition, object: built.key, records: built.entry.records, reason },
      'Archived an object.',
    );
    st.lines = [];
    st.bytes = 0;
    setGauges(st);
    // For lag monitoring only: the store, not this commit, says where the archive resumes.
    await ports.commit(st, String(built.entry.end + 1)).catch((err: unknown) => {
      metrics.errors.inc({ code: 'ARCHIVE_COMMIT_FAILED' });
      log.warn({ error: describeErrorSafely(err), partition: st.partition }, 'Offset commit failed.');
    });
  };

  const assign = (held: TopicPartition[]) =>
    serial(async () => {
      for (const st of partitions.values()) metrics.openRecords.remove(labels(st));
      partitions.clear();
      const bounds = new Map<string, Map<number, { low: string; high: string }>>();
      for (const tp of held) {
        if (!bounds.has(tp.topic)) bounds.set(tp.topic, await ports.watermarks(tp.topic));
        const mark = bounds.get(tp.topic)?.get(tp.partition);
        const point = await withRetry('Reading the archive state', () =>
          resumePoint(store, tp.topic, tp.partition),
        );
        let next: number;
        let from: string = point.source;
        if (point.end !== undefined) next = point.end + 1;
        else {
          // Nothing archived yet. The group's commit, when there is one, is where an earlier run of
          // this archive began (committed at once, below): a restart before the first object of a
          // partition must not jump to "latest" again and skip what came meanwhile.
          const committed = Number((await ports.committed(tp.topic)).get(tp.partition) ?? -1);
          if (committed >= 0) {
            next = committed;
            from = 'commit';
          } else {
            next = Number((ports.startFrom === 'latest' ? mark?.high : mark?.low) ?? 0);
            from = ports.startFrom;
            await ports.commit(tp, String(next));
          }
        }
        partitions.set(keyOf(tp), {
          ...tp,
          next,
          checked: false,
          seeking: true,
          lines: [],
          bytes: 0,
          hour: 0,
          openedAt: 0,
          high: Number(mark?.high ?? 0),
        });
        if (point.end !== undefined) metrics.lastArchivedOffset.set(labels(tp), point.end);
        ports.seek(tp, String(next));
        log.info(
          { topic: tp.topic, partition: tp.partition, next, from },
          point.end !== undefined
            ? 'Partition resumes after the last archived offset in the store.'
            : from === 'commit'
              ? 'Nothing of this partition is archived yet; resuming where this group began.'
              : 'Nothing of this partition is archived yet; starting from the START_FROM position (committed).',
        );
      }
    });

  const handleBatch = (batch: PartitionBatch, handle: BatchHandle) =>
    serial(async () => {
      const st = partitions.get(keyOf(batch));
      if (!st) return; // not (or no longer) ours
      st.high = Number(batch.highWatermark);
      for (const record of batch.records) {
        if (!handle.isActive()) return;
        const offset = Number(record.offset);
        if (offset < st.next) {
          handle.resolve(record.offset); // archived, or already in the open object
          continue;
        }
        if (offset > st.next && st.seeking) {
          const low = Number((await ports.watermarks(st.topic)).get(st.partition)?.low ?? 0);
          if (low <= st.next) {
            // A batch fetched before our seek: ask again, read nothing from it.
            ports.seek(st, String(st.next));
            return;
          }
          metrics.lost.inc({ topic: st.topic }, offset - st.next);
          log.warn(
            { topic: st.topic, partition: st.partition, from: st.next, to: offset - 1 },
            'Offsets left Kafka (retention) before they were archived.',
          );
          st.next = offset;
          st.checked = false;
        }
        st.seeking = false;
        const timestamp = Number(record.timestamp);
        if (!st.checked) {
          const adopted = await withRetry('Looking for an object written before a restart', () =>
            adoptObjectAt(store, st.topic, st.partition, offset, timestamp),
          );
          if (adopted) {
            metrics.adopted.inc({ topic: st.topic });
            metrics.lastArchivedOffset.set(labels(st), adopted.end);
            log.info(
              { topic: st.topic, partition: st.partition, start: adopted.start, end: adopted.end },
              'Adopted an object written before a restart; resuming after it.',
            );
            st.next = adopted.end + 1;
            await ports.commit(st, String(st.next)).catch(() => undefined);
            handle.resolve(record.offset);
            continue; // the check is made again at the new position
          }
          st.checked = true;
        }
        const hour = hourStart(timestamp);
        if (st.lines.length > 0 && hour !== st.hour) await flush(st, 'hour');
        const decoded = await ports.decode(st.topic, record);
        const archiveRecord: ArchiveRecord = {
          topic: st.topic,
          partition: st.partition,
          offset,
          timestamp,
          key: record.key,
          schemaId: ports.schemaIdOf(record.value),
          headers: (record as { headers?: Record<string, string> }).headers,
          ...(decoded.ok ? { value: decoded.value } : { rawValue: record.value, decodeError: decoded.code }),
        };
        const line = envelopeLine(archiveRecord);
        const size = Buffer.byteLength(line);
        if (st.lines.length > 0 && st.bytes + size > ports.maxBytes) await flush(st, 'bytes');
        if (st.lines.length === 0) {
          st.hour = hour;
          st.openedAt = now();
        }
        st.lines.push({ offset, timestamp, line });
        st.bytes += size;
        st.next = offset + 1;
        handle.resolve(record.offset);
        if (st.lines.length >= ports.maxRecords) await flush(st, 'records');
      }
      setGauges(st);
      await handle.heartbeat().catch(() => undefined);
    });

  return {
    assign,
    handleBatch,
    flushDue: () =>
      serial(async () => {
        for (const st of partitions.values())
          if (st.lines.length > 0 && now() - st.openedAt >= ports.flushIntervalMs)
            await flush(st, 'interval');
      }),
    flushAll: () =>
      serial(async () => {
        for (const st of partitions.values()) await flush(st, 'stop');
      }),
    healthy: () => !failing,
  };
}
