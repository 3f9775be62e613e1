// Proves each infrastructure component is real and reachable from Node, through the same libraries
// the services use: Avro in the Confluent wire format through Kafka and the registry, a document
// through Elasticsearch, a metric through Prometheus.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { Counter, createMetricsRegistry, serveMetrics } from '@lrstream/runtime';
import {
  createKafka,
  createSchemaCodec,
  deleteTopics,
  ensureTopics,
  parseBrokers,
  wireSchemaId,
} from '@lrstream/kafka';
import { SERVICE_METRICS_PORTS } from '@lrstream/stack';
import { waitFor } from '@lrstream/test';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite with "npm test", which provides the stack.`);
  return value;
}

describe('smoke: the stack is real', () => {
  const run = randomUUID().slice(0, 8);

  describe('Kafka + schema registry', () => {
    const kafka = createKafka({ brokers: parseBrokers(required('KAFKA_BROKERS')), clientId: `smoke-${run}` });
    const topic = `smoke.avro.${run}`;
    before(() => ensureTopics(kafka, [{ name: topic, partitions: 1 }]));
    after(() => deleteTopics(kafka, [topic]));

    test('an Avro value registered, produced and consumed in the Confluent wire format', async () => {
      const codec = createSchemaCodec({ url: required('SCHEMA_REGISTRY_URL') });
      const schema = {
        type: 'record',
        name: 'Smoke',
        namespace: 'lrstream.test',
        fields: [
          { name: 'id', type: 'string' },
          { name: 'count', type: 'long' },
        ],
      };
      const schemaId = await codec.registerValueSchema(topic, schema);
      assert.ok(Number.isInteger(schemaId) && schemaId > 0, `registry id ${schemaId}`);
      // Registering the same schema again answers the same id (the subject's config is BACKWARD).
      assert.equal(await codec.registerValueSchema(topic, schema), schemaId);

      const subjects = (await (
        await fetch(`${required('SCHEMA_REGISTRY_URL')}/subjects`)
      ).json()) as string[];
      assert.ok(subjects.includes(`${topic}-value`), 'subject follows the TopicNameStrategy');

      const value = { id: run, count: 42 };
      const encoded = await codec.encode(schemaId, value);
      assert.equal(encoded[0], 0, 'magic byte');
      assert.equal(wireSchemaId(encoded), schemaId);

      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [{ key: run, value: encoded }] });
      await producer.disconnect();

      const consumer = kafka.consumer({ groupId: `smoke-${run}` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = new Promise<Buffer>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            if (message.value) resolve(message.value);
          },
        });
      });
      let timer: NodeJS.Timeout | undefined;
      const buffer = await Promise.race([
        received,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('no message within 30 s')), 30_000);
        }),
      ]).finally(() => clearTimeout(timer));
      await consumer.disconnect();
      // avsc decodes into record instances: compare their fields.
      assert.deepEqual({ ...(await codec.decode<object>(buffer)) }, value);
    });
  });

  describe('Elasticsearch', () => {
    const es = new Client({ node: required('ELASTICSEARCH_URL') });
    const index = `lrstream-smoke-${run}`;
    after(async () => {
      await es.indices.delete({ index, ignore_unavailable: true });
      await es.close();
    });

    test('a document indexed and found by search', async () => {
      // The integ-test distribution has no root info endpoint (GET / answers 405): ask the node.
      const nodes = await es.nodes.info({ node_id: '_local', filter_path: 'nodes.*.version' });
      assert.match(Object.values(nodes.nodes)[0]?.version ?? '', /^8\.19\./);
      await es.index({ index, id: run, document: { verb: 'played', run }, refresh: 'wait_for' });
      const result = await es.search<{ run: string }>({ index, query: { term: { 'run.keyword': run } } });
      assert.equal(result.hits.hits.length, 1);
      assert.equal(result.hits.hits[0]?._id, run);
      assert.equal(result.hits.hits[0]?._source?.run, run);
    });
  });

  describe('Prometheus', () => {
    test("lrstream's alert rules are loaded", async () => {
      const body = (await (await fetch(`${required('PROMETHEUS_URL')}/api/v1/rules`)).json()) as {
        data: { groups: { rules: { name: string }[] }[] };
      };
      const names = body.data.groups.flatMap((g) => g.rules.map((r) => r.name));
      assert.ok(names.includes('LrstreamServiceDown'), `rules loaded: ${names.join(', ')}`);
    });

    test('a prom-client metric exposed by Node is read back through the Prometheus HTTP API', async () => {
      const registry = createMetricsRegistry({ service: 'smoke' });
      const counter = new Counter({
        name: 'lrstream_smoke_events_total',
        help: 'Events counted by the smoke test.',
        labelNames: ['run'],
        registers: [registry],
      });
      const expected = 1000 + Math.floor(Math.random() * 1000);
      counter.inc({ run }, expected);
      const server = await serveMetrics(registry, { port: SERVICE_METRICS_PORTS.extra });
      try {
        const query = encodeURIComponent(`lrstream_smoke_events_total{run="${run}"}`);
        const value = await waitFor(
          'Prometheus to scrape the smoke metric',
          async () => {
            const response = await fetch(`${required('PROMETHEUS_URL')}/api/v1/query?query=${query}`);
            const body = (await response.json()) as { data: { result: { value: [number, string] }[] } };
            return body.data.result[0]?.value[1];
          },
          { timeoutMs: 30_000, intervalMs: 500 },
        );
        assert.equal(Number(value), expected);
      } finally {
        await server.close();
      }
    });
  });
});
