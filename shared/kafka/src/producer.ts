// Writing pipeline records: Avro (Confluent framing) with the topic's registered value schema
// (looked up: `lrstream topics apply` registers), acks=all on an idempotent producer. A resolved
// send means the leader and the in-sync replicas have the records — on a single broker. On a
// multi-broker cluster kafkajs 2.2.4 can resolve a send whose partition leader just died without
// writing it (kafkajs issue #1303, open): see docs/delivery.md.
import type { Kafka, Producer } from 'kafkajs';
import { TOPICS, valueSchemaOf, type TopicId } from '@lrstream/schemas';
import type { SchemaCodec } from './registry.js';

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
    ids.set(topic, await codec.lookupValueSchemaId(TOPICS[topic], valueSchemaOf(topic)));
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
