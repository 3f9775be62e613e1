// Reading back exactly what a run put on a shared topic: note the end offsets before, read the
// range [from, to) after.
import { waitFor } from '@lrstream/test';
import type { Kafka } from '@lrstream/kafka';

export type Offsets = Map<number, bigint>;

export interface RangeMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, unknown>;
  timestamp: string;
}

export async function endOffsets(kafka: Kafka, topic: string): Promise<Offsets> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** Every message of [from, to) on each partition of the topic. */
export async function readRange(
  kafka: Kafka,
  topic: string,
  from: Offsets,
  to: Offsets,
  group: string,
): Promise<RangeMessage[]> {
  const wanted = [...to].filter(([p, end]) => end > (from.get(p) ?? 0n));
  const messages: RangeMessage[] = [];
  if (wanted.length === 0) return messages;
  const next = new Map(wanted.map(([p]) => [p, from.get(p) ?? 0n]));
  const consumer = kafka.consumer({ groupId: group });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const offset = BigInt(message.offset);
      const expected = next.get(partition);
      if (expected === undefined || offset < expected || offset >= (to.get(partition) ?? 0n)) return;
      messages.push({
        topic,
        partition,
        offset: message.offset,
        key: message.key,
        value: message.value,
        headers: message.headers ?? {},
        timestamp: message.timestamp,
      });
      next.set(partition, offset + 1n);
    },
  });
  for (const [partition] of wanted)
    consumer.seek({ topic, partition, offset: String(from.get(partition) ?? 0n) });
  try {
    await waitFor(
      `messages of ${topic} in the run's offset range`,
      async () => (wanted.every(([p, end]) => (next.get(p) ?? 0n) >= end) ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

export const headerText = (value: unknown): string =>
  Buffer.isBuffer(value)
    ? value.toString('utf8')
    : Array.isArray(value)
      ? value.map(headerText).join(',')
      : String(value);
