// The index service on the real stack: anonymized statements from the real xapi.anonymized.v1 topic
// land in Elasticsearch under the template's mappings, replays do not duplicate, a mapping conflict
// goes to dlq.anonymized.v1 without blocking the rest, and the identified short-term store applies
// its retention. Index names and consumer groups are unique per run; the topics are the real ones.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Client } from '@elastic/elasticsearch';
import {
  createKafka,
  createRecordProducer,
  createSchemaCodec,
  parseBrokers,
  type RecordProducer,
} from '@lrstream/kafka';
import { startIndex, type IndexService } from '@lrstream/index';
import { TOPICS, type DeadLetter, type XapiAnonymized, type XapiStatement } from '@lrstream/schemas';
import { topicEnds, waitFor } from '@lrstream/test';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite with "npm test", which provides the stack.`);
  return value;
}

const env = () => ({
  KAFKA_BROKERS: required('KAFKA_BROKERS'),
  SCHEMA_REGISTRY_URL: required('SCHEMA_REGISTRY_URL'),
  ELASTICSEARCH_URL: required('ELASTICSEARCH_URL'),
  METRICS_PORT: '0',
  LOG_LEVEL: 'warn',
});

const VIDEO = 'https://w3id.org/xapi/video/extensions';

function statement(id: string, registration: string, timestamp: string, raw: unknown = 7) {
  return {
    id,
    actor: {
      objectType: 'Agent',
      account: { homePage: 'https://lms.example.org', name: `p-${id.slice(0, 8)}` },
    },
    verb: { id: 'https://w3id.org/xapi/video/verbs/played', display: { 'en-US': 'played' } },
    object: {
      objectType: 'Activity',
      id: 'https://lms.example.org/course/c1/video/v1',
      definition: {
        type: 'https://w3id.org/xapi/video/activity-type/video',
        extensions: { 'https://x.example/any': 1 },
      },
    },
    result: {
      score: { raw, min: 0, max: 10 },
      completion: false,
      extensions: { [`${VIDEO}/time`]: 12.5, [`${VIDEO}/played-segments`]: '0[.]12.5' },
    },
    context: {
      registration,
      contextActivities: { parent: [{ id: 'https://lms.example.org/course/c1', objectType: 'Activity' }] },
      extensions: { [`${VIDEO}/length`]: 300, [`${VIDEO}/session-id`]: registration },
    },
    timestamp,
    version: '1.0.3',
  };
}

function anonymized(stmt: ReturnType<typeof statement>, eventId: string): XapiAnonymized {
  return {
    statement_id: stmt.id,
    event_id: eventId,
    received_at: Date.now(),
    origin: { topic: 'events.raw.v1', partition: 0, offset: 0 },
    source_format: 'xapi',
    timestamp: Date.parse(stmt.timestamp),
    verb_id: stmt.verb.id,
    object_type: 'Activity',
    object_id: stmt.object.id,
    course_id: 'course-v1:Org+C1+2026',
    actor_pseudonym: stmt.actor.account.name,
    policy: 'pseudonymize@1',
    key_id: 'it-key',
    statement_json: JSON.stringify(stmt),
    time_granularity_ms: null,
  };
}

type Mapping = { type?: string; properties?: Record<string, Mapping> };
function fieldType(mappings: Mapping, path: string[]): string | undefined {
  let node: Mapping | undefined = mappings;
  for (const key of path) node = node?.properties?.[key];
  return node?.type;
}

/** Dead letters of one event id on dlq.anonymized.v1, read by a fresh group from the run's start offsets. */
async function deadLettersOf(
  kafka: ReturnType<typeof createKafka>,
  from: Map<number, string>,
  eventId: string,
  atLeast: number,
) {
  const codec = createSchemaCodec({ url: required('SCHEMA_REGISTRY_URL') });
  const consumer = kafka.consumer({ groupId: `it-index-dlq-${randomUUID()}` });
  const found: DeadLetter[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPICS.deadLetterAnonymized, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (!message.value) return;
        const letter = { ...(await codec.decode<DeadLetter>(message.value)) };
        if (letter.event_id === eventId) found.push(letter);
      },
    });
    // Where the topic ended before the run (a long-lived stack's DLQ may hold millions of records).
    for (const [partition, offset] of from)
      consumer.seek({ topic: TOPICS.deadLetterAnonymized, partition, offset });
    await waitFor(
      `${atLeast} dead letters for ${eventId}`,
      async () => (found.length >= atLeast ? true : undefined),
      {
        timeoutMs: 60_000,
        intervalMs: 250,
      },
    );
    return found;
  } finally {
    await consumer.disconnect();
  }
}

describe('index service on the real stack', () => {
  const run = randomUUID().slice(0, 8);
  const prefix = `it-index-${run}`;
  const identifiedPrefix = `it-identified-${run}`;
  const registration = randomUUID();
  const es = new Client({ node: required('ELASTICSEARCH_URL') });
  const kafka = createKafka({
    brokers: parseBrokers(required('KAFKA_BROKERS')),
    clientId: `it-index-${run}`,
  });
  let producer: RecordProducer;
  let service: IndexService | undefined;
  let dlqStart = new Map<number, string>();

  // Two months, so the alias has to span two monthly indices.
  const good = [
    statement(randomUUID(), registration, '2026-10-31T23:59:59.000Z'),
    statement(randomUUID(), registration, '2026-11-01T00:00:00.000Z'),
    statement(randomUUID(), registration, '2026-11-02T10:00:00.000+02:00'),
    statement(randomUUID(), registration, '2026-11-15T08:30:00.123Z'),
    statement(randomUUID(), registration, '2026-11-20T12:00:00.000Z'),
  ];
  const conflict = statement(randomUUID(), registration, '2026-11-21T12:00:00.000Z', 'not-a-number');
  const conflictEventId = randomUUID();
  const records = [...good.map((s) => anonymized(s, randomUUID())), anonymized(conflict, conflictEventId)];
  const ids = good.map((s) => s.id).sort();

  const searchOurs = async () => {
    await es.indices.refresh({ index: prefix });
    return es.search({
      index: prefix,
      size: 100,
      version: true,
      query: { term: { 'context.registration': registration } },
    });
  };

  before(async () => {
    // This run's dead-letter reads begin where the topic ends now: the shared topics of a
    // long-lived stack may hold millions of older records.
    dlqStart = await topicEnds(required('KAFKA_BROKERS'), TOPICS.deadLetterAnonymized);
    const codec = createSchemaCodec({ url: required('SCHEMA_REGISTRY_URL') });
    producer = await createRecordProducer(kafka, codec, ['xapiAnonymized', 'xapiIdentified']);
    // An identified index from long ago: the retention cleanup at start must delete it.
    await es.indices.create({ index: `${identifiedPrefix}-2020.01.01` });
  });

  after(async () => {
    await service?.stop();
    await producer?.disconnect();
    for (const p of [prefix, identifiedPrefix]) {
      await es.indices.delete({ index: `${p}-*`, ignore_unavailable: true, allow_no_indices: true });
      await es.indices.deleteIndexTemplate({ name: p }).catch(() => undefined);
    }
    await es.close();
  });

  test('statements are indexed once each, under the alias, with the template mappings', async () => {
    // New groups start at the topics' ends (older records of a long-lived stack are not ours).
    service = await startIndex({
      ...env(),
      START_FROM: 'latest',
      INDEX_PREFIX: prefix,
      GROUP_ID: `it-index-${run}`,
      INDEX_IDENTIFIED: 'true',
      INDEX_IDENTIFIED_PREFIX: identifiedPrefix,
      INDEX_IDENTIFIED_GROUP_ID: `it-index-identified-${run}`,
      INDEX_IDENTIFIED_RETENTION_DAYS: '7',
    });
    await waitFor('index ready', async () => (service?.ready() ? true : undefined));
    await producer.send(
      'xapiAnonymized',
      records.map((r) => ({ key: r.actor_pseudonym ?? r.event_id, value: r })),
    );

    const hits = await waitFor(
      'the five statements in Elasticsearch',
      async () => {
        const result = await searchOurs();
        return result.hits.hits.length >= ids.length ? result.hits.hits : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    assert.deepEqual(hits.map((h) => h._id).sort(), ids, 'exactly the good statements, no conflict one');
    assert.deepEqual(
      [...new Set(hits.map((h) => h._index))].sort(),
      [`${prefix}-2026.10`, `${prefix}-2026.11`],
      'monthly indices by statement time (UTC)',
    );
    const first = hits.find((h) => h._id === good[0]?.id)?._source as Record<string, unknown>;
    assert.deepEqual(first.verb, good[0]?.verb, 'the statement is at the top level');
    assert.equal((first.lrstream as { policy: string }).policy, 'pseudonymize@1');
    assert.equal((first.lrstream as { key_id: string }).key_id, 'it-key');

    const aliases = await es.indices.getAlias({ name: prefix });
    assert.deepEqual(Object.keys(aliases).sort(), [`${prefix}-2026.10`, `${prefix}-2026.11`]);

    const mapping = await es.indices.getMapping({ index: `${prefix}-2026.11` });
    const m = Object.values(mapping)[0]?.mappings as Mapping;
    const expected: [string[], string][] = [
      [['id'], 'keyword'],
      [['verb', 'id'], 'keyword'],
      [['object', 'id'], 'keyword'],
      [['actor', 'account', 'name'], 'keyword'],
      [['context', 'registration'], 'keyword'],
      [['context', 'contextActivities', 'parent', 'id'], 'keyword'],
      [['timestamp'], 'date'],
      [['stored'], 'date'],
      [['lrstream', 'received_at'], 'date'],
      [['result', 'score', 'raw'], 'double'],
      [['result', 'completion'], 'boolean'],
      // Extension IRIs contain a dot: ES keeps them as the object path https://w3id -> org/...
      [['result', 'extensions', 'https://w3id', 'org/xapi/video/extensions/time'], 'double'],
      [['result', 'extensions', 'https://w3id', 'org/xapi/video/extensions/played-segments'], 'keyword'],
      [['context', 'extensions', 'https://w3id', 'org/xapi/video/extensions/length'], 'double'],
    ];
    for (const [path, type] of expected) assert.equal(fieldType(m, path), type, path.join('.'));
    // dynamic=false: an unknown extension stays in _source but adds no field to the mapping.
    const definition = m.properties?.object?.properties?.definition?.properties?.extensions;
    assert.deepEqual(definition?.properties ?? {}, {});
    // Dashboards aggregate the video time through the mapped numeric field.
    const avg = await es.search({
      index: prefix,
      size: 0,
      query: { term: { 'context.registration': registration } },
      aggs: { time: { avg: { field: `result.extensions.${VIDEO}/time` } } },
    });
    assert.equal((avg.aggregations?.time as { value: number }).value, 12.5);
  });

  test('a mapping conflict is dead-lettered with an ES_REJECTED code, without document content', async () => {
    const letters = await deadLettersOf(kafka, dlqStart, conflictEventId, 1);
    const letter = letters[0];
    assert.ok(letter);
    assert.equal(letter.stage, 'index');
    assert.match(letter.error_code, /^ES_REJECTED_[A-Z_]+$/);
    assert.match(letter.error_message, /result\.score\.raw/);
    assert.doesNotMatch(letter.error_message, /not-a-number/);
    assert.equal(letter.source_topic, TOPICS.xapiAnonymized);
    assert.equal(Buffer.from(letter.payload ?? []).toString('utf8'), JSON.stringify(conflict));
  });

  test('a replay overwrites: same ids, no duplicates, version 2', async () => {
    await producer.send(
      'xapiAnonymized',
      records.map((r) => ({ key: r.actor_pseudonym ?? r.event_id, value: r })),
    );
    const hits = await waitFor(
      'the replayed statements to be re-indexed',
      async () => {
        const result = await searchOurs();
        return result.hits.hits.every((h) => (h._version ?? 0) >= 2) ? result.hits.hits : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    assert.deepEqual(hits.map((h) => h._id).sort(), ids);
    const count = await es.count({
      index: prefix,
      query: { term: { 'context.registration': registration } },
    });
    assert.equal(count.count, ids.length);
    // The conflicting record was dead-lettered again, not stuck.
    assert.equal((await deadLettersOf(kafka, dlqStart, conflictEventId, 2)).length, 2);

    assert.ok(service);
    const text = await (await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`)).text();
    const sample = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
    assert.ok(sample(/^lrstream_index_documents_indexed_total\{[^}]*store="anonymized"[^}]*\} (\d+)/m) >= 10);
    assert.ok(
      sample(
        /^lrstream_index_bulk_items_failed_total\{[^}]*reason="document_parsing_exception"[^}]*\} (\d+)/m,
      ) >= 2,
    );
    assert.ok(
      sample(/^lrstream_index_end_to_end_latency_seconds_count\{[^}]*store="anonymized"[^}]*\} (\d+)/m) >= 10,
    );
  });

  test('identified store: daily index by receipt, alias, and expired days deleted at start', async () => {
    const stmt = statement(randomUUID(), registration, '2026-11-21T12:00:00.000Z');
    const receivedAt = Date.now();
    const value: XapiStatement = {
      statement_id: stmt.id,
      event_id: randomUUID(),
      received_at: receivedAt,
      origin: { topic: 'events.raw.v1', partition: 0, offset: 0 },
      source_format: 'edx',
      conversion_profile: 'openedx',
      timestamp: Date.parse(stmt.timestamp),
      verb_id: stmt.verb.id,
      object_type: 'Activity',
      object_id: stmt.object.id,
      course_id: null,
      statement_json: JSON.stringify(stmt),
    };
    await producer.send('xapiIdentified', [{ key: value.event_id, value }]);
    const hit = await waitFor(
      'the identified statement in its daily index',
      async () => {
        await es.indices.refresh({ index: identifiedPrefix });
        const result = await es.search({ index: identifiedPrefix, query: { ids: { values: [stmt.id] } } });
        return result.hits.hits[0];
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    const day = new Date(receivedAt).toISOString().slice(0, 10).replaceAll('-', '.');
    assert.equal(hit._index, `${identifiedPrefix}-${day}`);
    const old = await es.indices.exists({ index: `${identifiedPrefix}-2020.01.01` });
    assert.equal(old, false, 'the 2020 daily index was older than 7 days and was deleted');
  });
});

/** A TCP proxy to Elasticsearch that can be cut: the service sees a real unreachable cluster. */
async function switchableProxy(target: URL) {
  const sockets = new Set<Socket>();
  let up = true;
  const server: Server = createServer((client) => {
    if (!up) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port), target.hostname);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        sockets.delete(a);
        b.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    set(state: 'up' | 'down') {
      up = state === 'up';
      if (!up) for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('index service while Elasticsearch is unreachable', () => {
  test('the batch is retried with backoff, not dead-lettered, and indexed once ES is back', async () => {
    const run = randomUUID().slice(0, 8);
    const prefix = `it-index-outage-${run}`;
    const registration = randomUUID();
    const es = new Client({ node: required('ELASTICSEARCH_URL') });
    const proxy = await switchableProxy(new URL(required('ELASTICSEARCH_URL')));
    const kafka = createKafka({
      brokers: parseBrokers(required('KAFKA_BROKERS')),
      clientId: `it-outage-${run}`,
    });
    const producer = await createRecordProducer(
      kafka,
      createSchemaCodec({ url: required('SCHEMA_REGISTRY_URL') }),
      ['xapiAnonymized'],
    );
    let service: IndexService | undefined;
    try {
      service = await startIndex({
        ...env(),
        ELASTICSEARCH_URL: proxy.url,
        ES_REQUEST_TIMEOUT_MS: '2000',
        // A short budget: the outage outlasts it, so the partition is paused and probed again.
        RETRY_BUDGET_MS: '3000',
        STALL_PROBE_MS: '1000',
        // Start at the topic's end: older records of a long-lived stack are not this test's business.
        START_FROM: 'latest',
        INDEX_PREFIX: prefix,
        GROUP_ID: `it-index-outage-${run}`,
      });
      await waitFor('index ready', async () => (service?.ready() ? true : undefined));
      const port = service.metricsPort;
      proxy.set('down');
      const records = [1, 2, 3].map(() =>
        anonymized(statement(randomUUID(), registration, '2026-11-22T08:00:00.000Z'), randomUUID()),
      );
      await producer.send(
        'xapiAnonymized',
        records.map((r) => ({ key: r.event_id, value: r })),
      );
      const retries = async () => {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return Number(
          /^lrstream_index_retries_total\{[^}]*code="ES_UNAVAILABLE"[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0,
        );
      };
      await waitFor(
        'the stage to back off on the unreachable cluster',
        async () => ((await retries()) >= 2 ? true : undefined),
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      const during = await es.count({
        index: `${prefix}-*`,
        allow_no_indices: true,
        query: { term: { 'context.registration': registration } },
      });
      assert.equal(during.count, 0, 'nothing reached Elasticsearch while it was unreachable');
      const stalled = async () =>
        /^lrstream_index_partition_stalled\{[^}]*code="ES_UNAVAILABLE"[^}]*\} 1$/m.test(
          await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
        );
      await waitFor(
        'the retry budget spent: partition paused, gauge set',
        async () => ((await stalled()) ? true : undefined),
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      assert.equal(service.ready(), false, 'not ready while a partition is paused');
      const readyz = await fetch(`http://127.0.0.1:${port}/readyz`);
      assert.equal(readyz.status, 503);

      proxy.set('up');
      const ids = await waitFor(
        'the held-back statements after Elasticsearch came back',
        async () => {
          await es.indices.refresh({ index: prefix, allow_no_indices: true, ignore_unavailable: true });
          const result = await es.search({
            index: `${prefix}-*`,
            allow_no_indices: true,
            size: 10,
            query: { term: { 'context.registration': registration } },
          });
          return result.hits.hits.length >= records.length ? result.hits.hits.map((h) => h._id) : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 500 },
      );
      assert.deepEqual(ids.sort(), records.map((r) => r.statement_id).sort());
      await waitFor('ready again once the paused partition flows', async () =>
        service?.ready() ? true : undefined,
      );
      assert.equal(await stalled(), false, 'the gauge is cleared');
    } finally {
      proxy.set('up');
      await service?.stop();
      await producer.disconnect();
      await proxy.close();
      await es.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true, allow_no_indices: true });
      await es.indices.deleteIndexTemplate({ name: prefix }).catch(() => undefined);
      await es.close();
    }
  });
});

// Throughput, measured on demand (not an assertion): INDEX_BENCH_DOCS=20000 node --import tsx --test ...
// It writes to the real topic (30-day retention), so it does not run by default.
const benchDocs = Number(process.env.INDEX_BENCH_DOCS ?? 0);
describe('index throughput', { skip: benchDocs > 0 ? false : 'set INDEX_BENCH_DOCS to measure' }, () => {
  test(`${benchDocs} small statements, Kafka -> Elasticsearch`, async (t) => {
    const run = randomUUID().slice(0, 8);
    const prefix = `it-index-bench-${run}`;
    const registration = randomUUID();
    const kafka = createKafka({
      brokers: parseBrokers(required('KAFKA_BROKERS')),
      clientId: `it-bench-${run}`,
    });
    // Only this measurement's documents: the group is created at the topic's end by a first start
    // of the service (START_FROM=latest), stopped before they are sent, then restarted on them.
    const first = await startIndex({
      ...env(),
      START_FROM: 'latest',
      INDEX_PREFIX: prefix,
      GROUP_ID: `it-index-bench-${run}`,
    });
    await waitFor('index ready', async () => (first.ready() ? true : undefined));
    await first.stop();
    const codec = createSchemaCodec({ url: required('SCHEMA_REGISTRY_URL') });
    const producer = await createRecordProducer(kafka, codec, ['xapiAnonymized']);
    const es = new Client({ node: required('ELASTICSEARCH_URL') });
    let service: IndexService | undefined;
    try {
      for (let sent = 0; sent < benchDocs; sent += 1000) {
        const batch = Array.from({ length: Math.min(1000, benchDocs - sent) }, () =>
          anonymized(statement(randomUUID(), registration, new Date().toISOString()), randomUUID()),
        );
        await producer.send(
          'xapiAnonymized',
          batch.map((r) => ({ key: r.actor_pseudonym ?? r.event_id, value: r })),
        );
      }
      const started = Date.now();
      service = await startIndex({ ...env(), INDEX_PREFIX: prefix, GROUP_ID: `it-index-bench-${run}` });
      const port = service.metricsPort;
      const metric = async (re: RegExp) =>
        Number(re.exec(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())?.[1] ?? 0);
      // Clock starts at the first acknowledged document: start-up and the group join are excluded.
      const firstAck = await waitFor(
        'the first acknowledged document',
        async () =>
          (await metric(/^lrstream_index_documents_indexed_total\{[^}]*\} (\d+)/m)) > 0
            ? Date.now()
            : undefined,
        { timeoutMs: 120_000, intervalMs: 50 },
      );
      await waitFor(
        `${benchDocs} documents`,
        async () => {
          const c = await es.count({
            index: prefix,
            query: { term: { 'context.registration': registration } },
          });
          return c.count >= benchDocs ? true : undefined;
        },
        { timeoutMs: 600_000, intervalMs: 200 },
      );
      const done = Date.now();
      const total = await metric(/^lrstream_index_documents_indexed_total\{[^}]*\} (\d+)/m);
      const bulkSeconds = await metric(/^lrstream_index_bulk_seconds_sum\{[^}]*\} ([\d.e+-]+)/m);
      const bulks = await metric(/^lrstream_index_bulk_seconds_count\{[^}]*\} (\d+)/m);
      const seconds = (done - firstAck) / 1000;
      t.diagnostic(
        `indexed ${total} documents (${benchDocs} of this run) in ${seconds.toFixed(1)} s after the first ack ` +
          `(${((done - started) / 1000).toFixed(1)} s from start): ${Math.round(total / seconds)} docs/s; ` +
          `${bulks} _bulk requests, ${bulkSeconds.toFixed(1)} s inside _bulk (refresh_interval 1s, 1 shard)`,
      );
    } finally {
      await service?.stop();
      await producer.disconnect();
      await es.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true, allow_no_indices: true });
      await es.indices.deleteIndexTemplate({ name: prefix }).catch(() => undefined);
      await es.close();
    }
  });
});
