// Test runs on a long-lived stack share its topics, which may hold millions of older records. A
// test's new consumer group must not re-read them (slow, and not what the test is about): these
// helpers pin where a run begins on a topic.
import { createKafka, parseBrokers } from '@lrstream/kafka';

type Admin = ReturnType<ReturnType<typeof createKafka>['admin']>;

export interface GroupStart {
  groupId: string;
  topic: string;
}

async function withAdmin<T>(brokers: string, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = createKafka({ brokers: parseBrokers(brokers), clientId: 'test-offsets' }).admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** The end offset of every partition of `topic`, or an empty map when the topic does not exist. */
async function ends(
  admin: Admin,
  topic: string,
  existing: ReadonlySet<string>,
): Promise<Map<number, string>> {
  if (!existing.has(topic)) return new Map();
  return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
}

/** Commits `offsets` for a memberless group. kafkajs does it by joining the group with a paused
 * consumer and leaving after its first fetch: up to ~5 s per call. */
async function commit(
  admin: Admin,
  groupId: string,
  topic: string,
  offsets: ReadonlyMap<number, string>,
): Promise<void> {
  if (offsets.size === 0) return;
  await admin.setOffsets({
    groupId,
    topic,
    partitions: [...offsets].map(([partition, offset]) => ({ partition, offset })),
  });
}

/** A topic's end offset per partition now (empty when the topic does not exist yet). */
export function topicEnds(brokers: string, topic: string): Promise<Map<number, string>> {
  return withAdmin(brokers, async (admin) => ends(admin, topic, new Set(await admin.listTopics())));
}

/**
 * Commits, for each new (memberless) group, the current end offset of every partition of its
 * topic: the group then starts there, and a member restarted later resumes from its own commits
 * on every partition (START_FROM only applies to partitions without a commit). A topic that does
 * not exist yet is skipped: it holds nothing older than the run.
 */
export function startGroupsAtTopicEnds(brokers: string, groups: readonly GroupStart[]): Promise<void> {
  return withAdmin(brokers, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const byGroup = new Map<string, string[]>();
    for (const { groupId, topic } of groups) byGroup.set(groupId, [...(byGroup.get(groupId) ?? []), topic]);
    // Different groups in parallel; one group's topics one after the other (one member at a time).
    await Promise.all(
      [...byGroup].map(async ([groupId, topics]) => {
        for (const topic of topics) await commit(admin, groupId, topic, await ends(admin, topic, existing));
      }),
    );
  });
}

/** Commits these offsets (partition -> offset) for a new, memberless group: it starts there. */
export function startGroupAt(
  brokers: string,
  groupId: string,
  topic: string,
  offsets: ReadonlyMap<number, string>,
): Promise<void> {
  return withAdmin(brokers, (admin) => commit(admin, groupId, topic, offsets));
}
