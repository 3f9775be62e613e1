// Consumer-group administration for replay: where a group is, where a topic begins and ends, which
// offset a timestamp falls on, and moving a group (only ever while it has no members: Kafka refuses
// otherwise, and so do we, before asking it).
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';

export interface PartitionBounds {
  partition: number;
  /** Oldest retained offset. */
  low: bigint;
  /** Next offset to be written (the end). */
  high: bigint;
}

export interface GroupDescription {
  groupId: string;
  /** Kafka's group state: Empty, Stable, PreparingRebalance, CompletingRebalance, Dead. */
  state: string;
  members: number;
}

async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

export function describeGroup(kafka: Kafka, groupId: string): Promise<GroupDescription> {
  return withAdmin(kafka, async (admin) => {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    return { groupId, state: group?.state ?? 'Dead', members: group?.members.length ?? 0 };
  });
}

/** Committed offsets of `groupId` on `topic`, per partition; null where the group never committed. */
export function groupOffsets(
  kafka: Kafka,
  groupId: string,
  topic: string,
): Promise<Map<number, bigint | null>> {
  return withAdmin(kafka, async (admin) => {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(
      (entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset) < 0 ? null : BigInt(p.offset)]),
    );
  });
}

export function topicBounds(kafka: Kafka, topic: string): Promise<PartitionBounds[]> {
  return withAdmin(kafka, async (admin) =>
    (await admin.fetchTopicOffsets(topic))
      .map((p) => ({ partition: p.partition, low: BigInt(p.low), high: BigInt(p.high) }))
      .sort((a, b) => a.partition - b.partition),
  );
}

/**
 * Per partition, the offset of the first record whose timestamp is at or after `timestamp`, or the
 * partition's end when there is none.
 */
export function offsetsForTimestamp(
  kafka: Kafka,
  topic: string,
  timestamp: number,
): Promise<Map<number, bigint>> {
  return withAdmin(kafka, async (admin) => {
    const [found, bounds] = await Promise.all([
      admin.fetchTopicOffsetsByTimestamp(topic, timestamp),
      admin.fetchTopicOffsets(topic),
    ]);
    const high = new Map(bounds.map((b) => [b.partition, BigInt(b.high)]));
    return new Map(
      found.map((p) => [
        p.partition,
        Number(p.offset) < 0 ? (high.get(p.partition) ?? 0n) : BigInt(p.offset),
      ]),
    );
  });
}

/**
 * Commits `offsets` for `groupId` on `topic`. Kafka accepts this only while the group has no
 * members; the caller checks first (describeGroup) so that the refusal comes with a reason.
 */
export function setGroupOffsets(
  kafka: Kafka,
  groupId: string,
  topic: string,
  offsets: ReadonlyMap<number, bigint>,
): Promise<void> {
  return withAdmin(kafka, (admin) =>
    admin.setOffsets({
      groupId,
      topic,
      partitions: [...offsets].map(([partition, offset]) => ({ partition, offset: offset.toString() })),
    }),
  );
}

export interface ScannedRecord {
  partition: number;
  offset: bigint;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | undefined>;
}

/**
 * Reads every record of `topic` present when the scan starts (up to each partition's end at that
 * moment), in partition order, with a throw-away group that never commits. `visit` may stop the
 * scan early by returning false.
 */
export async function scanTopic(
  kafka: Kafka,
  topic: string,
  visit: (record: ScannedRecord) => boolean | void | Promise<boolean | void>,
  options: { timeoutMs?: number } = {},
): Promise<{ records: number }> {
  const bounds = await topicBounds(kafka, topic);
  const pending = new Map(bounds.filter((b) => b.high > b.low).map((b) => [b.partition, b.high]));
  if (pending.size === 0) return { records: 0 };
  const consumer = kafka.consumer({ groupId: `lrstream-scan.${randomUUID()}`, sessionTimeout: 10_000 });
  let records = 0;
  let stopped = false;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`scan of ${topic} did not finish in ${options.timeoutMs ?? 120_000} ms`)),
        options.timeoutMs ?? 120_000,
      );
      const finish = () => {
        clearTimeout(timer);
        resolve();
      };
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            if (stopped) return;
            const end = pending.get(batch.partition);
            if (end === undefined) return;
            for (const m of batch.messages) {
              const offset = BigInt(m.offset);
              if (offset >= end) break;
              records += 1;
              const go = await visit({
                partition: batch.partition,
                offset,
                timestamp: Number(m.timestamp),
                key: m.key,
                value: m.value,
                headers: Object.fromEntries(
                  Object.entries(m.headers ?? {}).map(([k, v]) => [
                    k,
                    v === undefined ? undefined : Buffer.isBuffer(v) ? v : Buffer.from(String(v)),
                  ]),
                ),
              });
              if (go === false) {
                stopped = true;
                finish();
                return;
              }
            }
            // lastOffset() counts records kafkajs filters out (transaction markers, compacted).
            if (BigInt(batch.lastOffset()) + 1n >= end) pending.delete(batch.partition);
            if (pending.size === 0) finish();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return { records };
}
