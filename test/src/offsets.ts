// Test runs on a long-lived stack share its topics, which may hold millions of older records. A
// test's new consumer group must not re-read them (slow, and not what the test is about): these
// helpers pin where a run begins on a topic.
import { createKafka, parseBrokers } from '@lrstream/kafka';

export interface GroupStart {
  groupId: string;
  topic: string;
}

/** A topic's end offset per partition now (empty when the topic does not exist yet). */
export async function topicEnds(brokers: string, topic: string): Promise<Map<number, string>> {
  const admin = createKafka({ brokers: parseBrokers(brokers), clientId: 'test-offsets' }).admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return new Map();
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Commits, for each new (memberless) group, the current end offset of every partition of its
 * topic: the group then starts there, and a member restarted later resumes from its own commits
 * on every partition (START_FROM only applies to partitions without a commit). A topic that does
 * not exist yet is skipped: it holds nothing older than the run.
 */
export async function startGroupsAtTopicEnds(brokers: string, groups: readonly GroupStart[]): Promise<void> {
  const admin = createKafka({ brokers: parseBrokers(brokers), clientId: 'test-offsets' }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const byGroup = new Map<string, string[]>();
    for (const { groupId, topic } of groups) {
      if (existing.has(topic)) byGroup.set(groupId, [...(byGroup.get(groupId) ?? []), topic]);
    }
    // kafkajs commits by joining the group with a paused consumer and leaving after its first
    // fetch (up to ~5 s each): different groups in parallel, one group's topics one after the other.
    await Promise.all(
      [...byGroup].map(async ([groupId, topics]) => {
        for (const topic of topics) {
          const ends = await admin.fetchTopicOffsets(topic);
          await admin.setOffsets({
            groupId,
            topic,
            partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
          });
        }
      }),
    );
  } finally {
    await admin.disconnect();
  }
}

/** Commits these offsets (partition -> offset) for a new, memberless group: it starts there. */
export async function startGroupAt(
  brokers: string,
  groupId: string,
  topic: string,
  offsets: ReadonlyMap<number, string>,
): Promise<void> {
  if (offsets.size === 0) return;
  const admin = createKafka({ brokers: parseBrokers(brokers), clientId: 'test-offsets' }).admin();
  await admin.connect();
  try {
    await admin.setOffsets({
      groupId,
      topic,
      partitions: [...offsets].map(([partition, offset]) => ({ partition, offset })),
    });
  } finally {
    await admin.disconnect();
  }
}
