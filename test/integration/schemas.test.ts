// Every contract registers in the real schema registry under its topic's TopicNameStrategy subject,
// and a value encoded with the registered id is readable by any Confluent-compatible consumer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSchemaCodec, wireSchemaId } from '@lrstream/kafka';
import { TOPIC_CATALOGUE, valueSchemaOf, valueSubjectOf } from '@lrstream/schemas';

test('every topic value schema registers in the real registry', async (t) => {
  const url = process.env.SCHEMA_REGISTRY_URL;
  assert.ok(url, 'SCHEMA_REGISTRY_URL is set (run through npm test)');
  // A per-run prefix keeps runs independent (the registry may be shared and persistent).
  const prefix = `it${Date.now().toString(36)}.`;
  const codec = createSchemaCodec({ url });
  for (const topic of TOPIC_CATALOGUE) {
    const name = prefix + topic.name;
    const id = await codec.registerValueSchema(name, valueSchemaOf(topic.id));
    const response = await fetch(
      `${url}/subjects/${encodeURIComponent(valueSubjectOf(name))}/versions/latest`,
    );
    assert.equal(response.status, 200, `${valueSubjectOf(name)} is registered`);
    const latest = (await response.json()) as { id: number; schema: string };
    assert.equal(latest.id, id);
    assert.equal(JSON.parse(latest.schema).name, valueSchemaOf(topic.id).name);
    t.diagnostic(`${valueSubjectOf(topic.name)} -> id ${id}`);
  }
  // Encode with one registered id and decode through the registry, as a consumer would.
  const rawId = await codec.registerValueSchema(prefix + 'events.raw.v1', valueSchemaOf('raw'));
  const value = {
    event_id: '0b7c4a2e-5d1f-4e8a-9c3b-2f6d8e1a4b5c',
    received_at: 1_700_000_000_000,
    format: 'xapi',
    channel: 'http',
    producer: 'marsha',
    payload: Buffer.from('{"id":"x"}'),
    line_number: null,
    xapi_version: '1.0.3',
  };
  const encoded = await codec.encode(rawId, value);
  assert.equal(wireSchemaId(encoded), rawId);
  const decoded = await codec.decode<typeof value>(encoded);
  assert.equal(decoded.producer, 'marsha');
  assert.deepEqual(Buffer.from(decoded.payload), value.payload);
});
