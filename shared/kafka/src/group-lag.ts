// A consumer group's position on one topic, from outside the group (admin API): committed offset,
// retained range and lag per partition, its members, and committing start offsets for a group that
// has none. Replay commands use it to show progress and to decide when a group has caught up.
import type { Admin } from 'kafkajs';
import { createKafka } from './client.js';

export interface PartitionPosition {
  partition: number;
  /** First retained offset. */
  low: number;
  /** End offset (the next record's offset). */
  high: number;
  /** The group's committed offset, or undefined when it has none on this partition. */
  committed: number | undefined;
  /** Records between the commit (the first retained one when none) and the end. */
  lag: number;
}

export interface GroupPosition {
  groupId: string;
  topic: string;
  partitions: PartitionPosition[];
  lag: number;
}

export interface GroupAdmin {
  position(groupId: string, topic: string): Promise<GroupPosition>;
  /** Members currently in the group (0 when it is empty or unknown). */
  members(groupId: string): Promise<number>;
  /** The first offset of each partition at or after `timestamp` (the end when none is). */
  offsetsAt(topic: string, timestamp: number): Promise<Map<number, number>>;
  /** Commits these offsets for a group that has no member (it then starts there). */
  commit(groupId: string, topic: string, offsets: ReadonlyMap<number, number>): Promise<void>;
  close(): Promise<void>;
}

/** Pure: positions from the topic's offsets and the group's commits (-1 or absent: none). */
export function positionsOf(
  topicOffsets: readonly { partition: number; low: string; high: string }[],
  committed: ReadonlyMap<number, string>,
): PartitionPosition[] {
  return [...topicOffsets]
    .sort((a, b) => a.partition - b.partition)
    .map(({ partition, low, high }) => {
      const raw = committed.get(partition);
      const value = raw === undefined || Number(raw) < 0 ? undefined : Number(raw);
      const l = Number(low);
      const h = Number(high);
      return { partition, low: l, high: h, committed: value, lag: Math.max(0, h - Math.max(value ?? l, l)) };
    });
}

export async function openGroupAdmin(brokers: string[], clientId: string): Promise<GroupAdmin> {
  const admin: Admin = createKafka({ brokers, clientId }).admin();
  await admin.connect();
  return {
    async position(groupId, topic) {
      const [ends, offsets] = await Promise.all([
        admin.fetchTopicOffsets(topic),
        admin.fetchOffsets({ groupId, topics: [topic] }),
      ]);
      const committed = new Map(
        (offsets.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [p.partition, p.offset]),
      );
      const partitions = positionsOf(ends, committed);
      return { groupId, topic, partitions, lag: partitions.reduce((sum, p) => sum + p.lag, 0) };
    },
    async members(groupId) {
      const { groups } = await admin.describeGroups([groupId]);
      return groups.find((g) => g.groupId === groupId)?.members.length ?? 0;
    },
    async offsetsAt(topic, timestamp) {
      const found = await admin.fetchTopicOffsetsByTimestamp(topic, timestamp);
      return new Map(found.map((p) => [p.partition, Number(p.offset)]));
    },
    async commit(groupId, topic, offsets) {
      if (offsets.size === 0) return;
      await admin.setOffsets({
        groupId,
        topic,
        partitions: [...offsets].map(([partition, offset]) => ({ partition, offset: String(offset) })),
      });
    },
    close: () => admin.disconnect(),
  };
}
