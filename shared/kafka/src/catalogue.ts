// The operator's set-up step (`lrstream topics apply`): every topic of the catalogue created with
// its partitions, replication and retention, and every value schema registered, once, before any
// service starts. Idempotent, and safe when run twice at once: topic creation tolerates "already
// exists", registration converges on one id (registry.ts). Services then only check and look up.
import type { Kafka } from 'kafkajs';
import { PoisonError } from '@lrstream/runtime';
import { TOPIC_CATALOGUE, valueSchemaOf } from '@lrstream/schemas';
import type { SchemaCodec } from './registry.js';
import { valueSubject } from './registry.js';
import { ensureTopics } from './topics.js';

export interface AppliedCatalogue {
  /** Topics this run created (the others existed). */
  created: string[];
  /** Every value subject and the id of this build's schema under it. */
  subjects: { subject: string; id: number }[];
}

export async function applyCatalogue(
  kafka: Kafka,
  codec: SchemaCodec,
  options: { replicationFactor?: number } = {},
): Promise<AppliedCatalogue> {
  const created = await ensureTopics(
    kafka,
    TOPIC_CATALOGUE.map((t) => ({
      name: t.name,
      partitions: t.partitions,
      replicationFactor: options.replicationFactor ?? t.replicationFactor,
      config: { 'retention.ms': String(t.retentionMs), 'cleanup.policy': t.cleanupPolicy },
    })),
  );
  const subjects: AppliedCatalogue['subjects'] = [];
  for (const topic of TOPIC_CATALOGUE)
    subjects.push({
      subject: valueSubject(topic.name),
      id: await codec.registerValueSchema(topic.name, valueSchemaOf(topic.id)),
    });
  return { created, subjects };
}

/** Throws a non-retryable LRS_ERR_TOPIC_MISSING naming every catalogue topic Kafka lacks. */
export async function assertPipelineTopics(kafka: Kafka): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = TOPIC_CATALOGUE.filter((t) => !existing.has(t.name)).map((t) => t.name);
    if (missing.length > 0)
      throw new PoisonError(
        'LRS_ERR_TOPIC_MISSING',
        `Kafka has no topic ${missing.join(', ')}: run "lrstream topics apply" first (it creates every topic of the catalogue and registers its schema).`,
      );
  } finally {
    await admin.disconnect();
  }
}
