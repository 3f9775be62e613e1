// Writing pipeline records: Avro (Confluent framing) with the topic's registered value schema,
// acks=all on an idempotent producer, so a resolved send means the records are durable.
import type { Kafka, Producer } from 'kafkajs';
import { TOPIC_CATALOGUE, TOPICS, valueSchemaOf, type TopicId } from '@lrstream/schemas';
import type { SchemaCodec } from './registry.js';
import { ensureTopics } from './topics.js';

export interface RecordProducer {
  send(topic: TopicId, messages: { key: string; value: object }[]): Promise<void>;
  disconnect(): Promise<void>;
}

export async function createRecordProducer(
  kafka: Kafka,
  codec: SchemaCodec,
  topics: TopicId[],
): Promise<RecordProducer> {
  const ids = new Map<TopicId, number>();
  for (const topic of topics)
    ids.set(topic, await codec.registerValueSchema(TOPICS[topic], valueSchemaOf(topic)));
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return {
    async send(topic, messages) {
      const id = ids.get(topic);
      if (id === undefined) throw new Error(`producer was not opened for ${topic}`);
      const encoded = await Promise.all(
        messages.map(async (m) => ({ key: m.key, value: await codec.encode(id, m.value) })),
      );
      await producer.send({ topic: TOPICS[topic], acks: -1, messages: encoded });
    },
    disconnect: () => producer.disconnect(),
  };
}

/** Creates every topic of the catalogue that does not exist yet, with its retention and policy. */
export function ensurePipelineTopics(kafka: Kafka): Promise<string[]> {
  return ensureTopics(
    kafka,
    TOPIC_CATALOGUE.map((t) => ({
      name: t.name,
      partitions: t.partitions,
      config: { 'retention.ms': String(t.retentionMs), 'cleanup.policy': t.cleanupPolicy },
    })),
  );
}
