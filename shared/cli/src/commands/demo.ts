// `lrstream demo`: the main job on the embedded local stack. For now (foundation stage) it brings
// the stack up and sends a small flow of Avro-framed learning events through Kafka and the registry
// into Elasticsearch, then prints where everything is. The pipeline stage replaces the flow with
// the five services.
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { createKafka, createSchemaCodec, ensureTopics, parseBrokers } from '@lrstream/kafka';
import { down, loadStackConfig, stackEnv, up } from '@lrstream/stack';

const say = (message: string) => process.stderr.write(`[demo] ${message}\n`);

const DEMO_TOPIC = 'lrstream.demo.v1';
const DEMO_INDEX = 'lrstream-demo';
const SCHEMA = {
  type: 'record',
  name: 'DemoEvent',
  namespace: 'lrstream.demo',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'verb', type: 'string' },
    { name: 'video', type: 'string' },
    { name: 'time', type: 'double' },
  ],
};

export async function demoCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      once: { type: 'boolean', default: false },
      events: { type: 'string', default: '200' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'Usage: lrstream demo [--events N] [--once]\n  --once  stop the stack it started after the summary\n',
    );
    return 0;
  }
  const count = Number(values.events);
  if (!Number.isInteger(count) || count < 1) throw new Error('--events must be a positive integer');

  const config = loadStackConfig();
  const stack = await up(config, (m) => say(m));
  const env = stackEnv(config);
  say(`Stack ready in ${stack.seconds.toFixed(1)} s.`);

  const kafka = createKafka({ brokers: parseBrokers(env.KAFKA_BROKERS), clientId: 'lrstream-demo' });
  await ensureTopics(kafka, [{ name: DEMO_TOPIC, partitions: 3 }]);
  const codec = createSchemaCodec({ url: env.SCHEMA_REGISTRY_URL });
  const schemaId = await codec.registerValueSchema(DEMO_TOPIC, SCHEMA);
  say(`Schema registered as ${DEMO_TOPIC}-value, id ${schemaId}.`);

  const verbs = ['initialized', 'played', 'paused', 'seeked', 'completed'];
  const events = Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    verb: verbs[i % verbs.length] as string,
    video: `video-${i % 7}`,
    time: Math.round(Math.random() * 6000) / 10,
  }));
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  const begin = Date.now();
  await producer.send({
    topic: DEMO_TOPIC,
    acks: -1,
    messages: await Promise.all(
      events.map(async (e) => ({ key: e.video, value: await codec.encode(schemaId, e) })),
    ),
  });
  await producer.disconnect();

  // Read them back from Kafka (decoding through the registry) and index them, ids as document ids.
  const es = new Client({ node: env.ELASTICSEARCH_URL });
  const consumer = kafka.consumer({ groupId: `lrstream-demo-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: DEMO_TOPIC, fromBeginning: true });
  const wanted = new Set<string>(events.map((e) => e.id));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('demo events did not come back within 60 s')), 60_000);
    void consumer.run({
      eachBatch: async ({ batch }) => {
        const docs = [];
        for (const message of batch.messages) {
          if (!message.value) continue;
          const doc = { ...(await codec.decode<Record<string, unknown>>(message.value)) };
          docs.push({ index: { _index: DEMO_INDEX, _id: String(doc.id) } }, doc);
          wanted.delete(String(doc.id));
        }
        if (docs.length > 0) await es.bulk({ operations: docs, refresh: 'wait_for' });
        if (wanted.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  const seconds = (Date.now() - begin) / 1000;
  const byVerb = await es.search({
    index: DEMO_INDEX,
    size: 0,
    query: { terms: { 'id.keyword': events.map((e) => e.id) } },
    aggs: { verbs: { terms: { field: 'verb.keyword' } } },
  });
  await es.close();
  const buckets = (byVerb.aggregations?.verbs as { buckets: { key: string; doc_count: number }[] }).buckets;
  const indexed = buckets.reduce((sum, b) => sum + b.doc_count, 0);

  const lines = [
    '',
    `Demo: ${count} events produced (Avro, Confluent wire format), consumed and indexed in ${seconds.toFixed(2)} s.`,
    `Indexed in Elasticsearch "${DEMO_INDEX}": ${indexed} (${buckets.map((b) => `${b.key} ${b.doc_count}`).join(', ')})`,
    '',
    'Stack:',
    `  Kafka            ${env.KAFKA_BROKERS}`,
    `  Schema registry  ${env.SCHEMA_REGISTRY_URL}`,
    `  Elasticsearch    ${env.ELASTICSEARCH_URL}`,
    `  Prometheus       ${env.PROMETHEUS_URL}`,
    '',
    'Environment (eval "$(npx lrstream stack env)"):',
    ...Object.entries(env).map(([k, v]) => `  export ${k}=${v}`),
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  if (values.once) {
    if (stack.started.length > 0) await down(config, (m) => say(m));
  } else {
    say('The stack keeps running: "npx lrstream stack down" stops it.');
  }
  return indexed === count ? 0 : 1;
}
