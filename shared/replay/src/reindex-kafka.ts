// What the reindex needs to know of a consumer group on the anonymized topic, from outside the
// group: committed offset, retained range and lag per partition, and its members; and committing
// a new group's start offsets (--since). Built on @lrstream/kafka's group administration.
import {
  createKafka,
  describeGroup,
  groupOffsets,
  offsetsForTimestamp,
  setGroupOffsets,
  topicBounds,
  type Kafka,
} from '@lrstream/kafka';

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

/** Pure: positions from the topic's bounds and the group's commits (null: none). */
export function positionsOf(
  bounds: readonly { partition: number; low: bigint; high: bigint }[],
  committed: ReadonlyMap<number, bigint | null>,
): PartitionPosition[] {
  return [...bounds]
    .sort((a, b) => a.partition - b.partition)
    .map(({ partition, low, high }) => {
      const raw = committed.get(partition);
      const value = raw === undefined || raw === null ? undefined : Number(raw);
      const l = Number(low);
      const h = Number(high);
      return { partition, low: l, high: h, committed: value, lag: Math.max(0, h - Math.max(value ?? l, l)) };
    });
}

export function openGroupAdmin(brokers: string[], clientId: string): GroupAdmin {
  const kafka: Kafka = createKafka({ brokers, clientId });
  return {
    async position(groupId, topic) {
      const [bounds, committed] = await Promise.all([
        topicBounds(kafka, topic),
        groupOffsets(kafka, groupId, topic),
      ]);
      const partitions = positionsOf(bounds, committed);
      return { groupId, topic, partitions, lag: partitions.reduce((sum, p) => sum + p.lag, 0) };
    },
    members: async (groupId) => (await describeGroup(kafka, groupId)).members,
    async offsetsAt(topic, timestamp) {
      const found = await offsetsForTimestamp(kafka, topic, timestamp);
      return new Map([...found].map(([partition, offset]) => [partition, Number(offset)]));
    },
    commit: (groupId, topic, offsets) =>
      setGroupOffsets(
        kafka,
        groupId,
        topic,
        new Map([...offsets].map(([partition, offset]) => [partition, BigInt(offset)])),
      ),
    close: async () => undefined,
  };
}
