// End to end on the real stack: a mixed batch posted to ingest flows through validate, convert,
// anonymize and index. Elasticsearch must hold exactly the expected statements, the dead-letter
// topic exactly the planted bad inputs with the right reasons, no personal data may reach
// Elasticsearch, every stage's counters must add up, replays must not duplicate, and a stage
// restarted mid-stream must lose nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { anonymizedStatementId, parseEdxLine, type PseudonymKey } from '@lrstream/domain';
import { createKafka, createSchemaCodec, parseBrokers, type Kafka } from '@lrstream/kafka';
import { TOPICS, type DeadLetter } from '@lrstream/schemas';
import { generateSample, type SampleItem } from '@lrstream/cli';
import {
  edxOracleStatements,
  indexedIds as indexedIdsIn,
  postEdxLines,
  postStatements,
  requiredEnv,
  startInProcessPipeline,
  topicEnds,
  waitFor,
  type InProcessPipeline,
  type PipelineStage,
} from '@lrstream/test';

const PLATFORM = 'https://lms.example.org';

describe('pipeline end to end', { timeout: 300_000 }, () => {
  const run = randomUUID().slice(0, 8);
  let pipeline: InProcessPipeline;
  let kafka: Kafka;
  let dlqStart = new Map<number, string>();

  const sample = generateSample({ events: 400, seed: Number.parseInt(run.slice(0, 6), 16), badRatio: 0.04 });
  const good = sample.filter((i) => !i.bad);
  const bad = sample.filter((i) => i.bad);

  before(async () => {
    kafka = createKafka({ brokers: parseBrokers(requiredEnv('KAFKA_BROKERS')), clientId: `e2e-${run}` });
    // Where this run's dead letters will start: a long-lived stack's DLQ may hold millions of records.
    dlqStart = await topicEnds(requiredEnv('KAFKA_BROKERS'), TOPICS.deadLetterIdentified);
    // Own user, key, consumer groups and indices: this run neither disturbs nor is disturbed by a
    // running pipeline. Its groups begin at the topics' ends as they are now (a long-lived stack may
    // hold millions of older records), committed for every partition, so restarts resume exactly.
    pipeline = await startInProcessPipeline({
      name: 'e2e',
      run,
      platformUrl: PLATFORM,
      startFrom: 'latest',
    });
  });

  after(async () => {
    await pipeline?.stop();
  });

  async function post(items: SampleItem[]): Promise<void> {
    const edx = items.filter((i) => i.format === 'edx').map((i) => i.text);
    if (edx.length > 0) await postEdxLines(pipeline, edx);
    // One statement per request keeps each statement's bytes exact (as Marsha sends them).
    for (const item of items) if (item.format === 'xapi') await postStatements(pipeline, item.text);
  }

  /**
   * The document ids the pipeline must index for these items: the keyed id (anonymized zone) of
   * each expected statement, under the run's key and the default policy (the domain is the oracle
   * for edX statement ids).
   */
  function expectedIds(items: SampleItem[]): Set<string> {
    const keyFile = pipeline.env.ANONYMIZE_KEY_FILE;
    assert.ok(keyFile, 'the run writes its own key file');
    const key: PseudonymKey = { id: 'k1', secret: Buffer.from(readFileSync(keyFile, 'utf8').trim()) };
    const keyed = (id: string) => anonymizedStatementId(id, key, 'pseudonymize');
    const ids = new Set<string>();
    for (const item of items) {
      if (item.bad) continue;
      if (item.format === 'xapi') {
        ids.add(keyed((JSON.parse(item.text) as { id: string }).id));
        continue;
      }
      const parsed = parseEdxLine(item.text);
      assert.ok(parsed.ok);
      for (const statement of edxOracleStatements(parsed.event.original, PLATFORM))
        ids.add(keyed(String(statement.id)));
    }
    return ids;
  }

  const indexedIds = (ids: Set<string>) => indexedIdsIn(pipeline.es, pipeline.indexPrefix, ids);

  // Only what this run sent: the shared topics may hold older records, which a new group re-reads.
  const runStart = new Date().toISOString();
  async function totalDocs(): Promise<number> {
    const { es, indexPrefix } = pipeline;
    await es.indices.refresh({ index: `${indexPrefix}*`, ignore_unavailable: true }).catch(() => undefined);
    const query = { range: { 'lrstream.received_at': { gte: runStart } } };
    return (await es.count({ index: `${indexPrefix}*`, query })).count;
  }

  test('every good event is indexed under its statement id, and only those', async () => {
    await post(sample);
    const expected = expectedIds(sample);
    assert.ok(expected.size > good.length / 2, `expected ${expected.size} statements`);
    const found = await waitFor(
      'every expected statement in Elasticsearch',
      async () => {
        const f = await indexedIds(expected);
        return f.size === expected.size ? f : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    assert.equal(found.size, expected.size);
    assert.equal(await totalDocs(), expected.size, 'nothing else in the run indices');
  });

  test('the dead-letter topic holds exactly the planted bad inputs, with the right reasons', async () => {
    const codec = createSchemaCodec({ url: requiredEnv('SCHEMA_REGISTRY_URL') });
    const planted = new Map(bad.map((b) => [b.text, b.bad]));
    const seen = new Map<string, DeadLetter>();
    const consumer = kafka.consumer({ groupId: `e2e-${run}-dlq-reader` });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.deadLetterIdentified, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (!message.value) return;
        const letter = await codec.decode<DeadLetter>(message.value);
        const text = letter.payload ? Buffer.from(letter.payload).toString('utf8') : '';
        if (planted.has(text)) seen.set(text, letter);
      },
    });
    // Read from where the topic ended before this run posted anything (an empty topic: the start).
    for (const [partition, offset] of dlqStart)
      consumer.seek({ topic: TOPICS.deadLetterIdentified, partition, offset });
    try {
      await waitFor(
        'every planted bad input on the dead-letter topic',
        async () => (seen.size === planted.size ? true : undefined),
        {
          timeoutMs: 60_000,
          intervalMs: 500,
        },
      );
    } finally {
      await consumer.disconnect();
    }
    for (const [text, letter] of seen) {
      const kind = planted.get(text);
      assert.equal(letter.stage, 'validate');
      if (kind === 'malformed-json') assert.match(letter.error_code, /PARSE|JSON/, letter.error_code);
      if (kind === 'invalid-xapi') {
        assert.match(letter.error_code, /IFI/, letter.error_code);
        assert.match(letter.error_pointer ?? '', /^\/actor/);
      }
      assert.equal(letter.source_topic, TOPICS.raw);
    }
  });

  test('no personal data reaches Elasticsearch', async () => {
    const result = await pipeline.es.search({
      index: `${pipeline.indexPrefix}*`,
      size: 10_000,
      query: { range: { 'lrstream.received_at': { gte: runStart } } },
    });
    const text = JSON.stringify(result.hits.hits.map((h) => h._source));
    assert.ok(result.hits.hits.length > 0);
    const usernames = new Set(
      sample.map((i) => i.text.match(/learner\d+/)?.[0]).filter((u): u is string => Boolean(u)),
    );
    for (const username of usernames) assert.ok(!text.includes(username), `${username} leaked`);
    assert.ok(!/mailto:/.test(text), 'no mbox');
    assert.ok(!/198\.51\.100\.|2001:db8::/.test(text), 'no IP address');
  });

  async function metric(service: string, name: string): Promise<number> {
    const port = pipeline.services[service as PipelineStage]?.metricsPort;
    assert.ok(port, `${service} exposes its metrics port`);
    const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return body
      .split('\n')
      .filter((l) => l.startsWith(name))
      .reduce((s, l) => s + Number(l.split(' ').pop()), 0);
  }

  test("every stage's counters add up: consumed = passed + dead-lettered + filtered", async () => {
    for (const name of ['validate', 'convert', 'anonymize', 'index']) {
      const consumed = await metric(name, `lrstream_${name}_events_consumed_total`);
      const out =
        (await metric(name, `lrstream_${name}_events_passed_total`)) +
        (await metric(name, `lrstream_${name}_events_dead_lettered_total`)) +
        (await metric(name, `lrstream_${name}_events_filtered_total`));
      assert.ok(consumed > 0, `${name} consumed something`);
      assert.equal(out, consumed, `${name}: ${consumed} consumed, ${out} accounted for`);
    }
  });

  test('a replay of the same input creates no duplicates', async () => {
    const expected = expectedIds(sample);
    const before = await totalDocs();
    const consumedBefore = await metric('index', 'lrstream_index_events_consumed_total');
    await post(good);
    // Every replayed statement must have reached the index stage before counting again.
    await waitFor(
      'the replayed statements consumed by index',
      async () =>
        (await metric('index', 'lrstream_index_events_consumed_total')) >= consumedBefore + expected.size
          ? true
          : undefined,
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    assert.equal(await totalDocs(), before, 'same documents, overwritten in place');
    assert.equal((await indexedIds(expected)).size, expected.size);
  });

  for (const [offset, name] of (['validate', 'convert', 'anonymize', 'index'] as const).entries()) {
    test(`${name} restarted mid-stream loses nothing`, async () => {
      await pipeline.services[name]?.stop();
      // Posted while the stage is down: accepted (durable in Kafka), then processed after the restart.
      const more = generateSample({
        events: 80,
        seed: 1000 + offset,
        badRatio: 0,
        start: Date.UTC(2026, 10, 20 - offset),
      });
      await post(more);
      await pipeline.start(name); // the same consumer group: it resumes from its committed offsets
      const ids = expectedIds(more);
      const found = await waitFor(
        `every statement posted while ${name} was down`,
        async () => {
          const f = await indexedIds(ids);
          return f.size === ids.size ? f : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 1000 },
      );
      assert.equal(found.size, ids.size);
    });
  }

  test('ingest restarted: a client that retries loses nothing', async () => {
    await pipeline.services.ingest?.stop();
    const refused = await fetch(`${pipeline.ingestUrl}/__heartbeat__`).then(
      () => false,
      () => true,
    );
    assert.ok(refused, 'the stopped ingest no longer answers');
    await pipeline.start('ingest');
    const more = generateSample({ events: 40, seed: 2000, badRatio: 0 });
    await post(more);
    const ids = expectedIds(more);
    await waitFor(
      'statements posted after the ingest restart',
      async () => ((await indexedIds(ids)).size === ids.size ? true : undefined),
      {
        timeoutMs: 120_000,
        intervalMs: 1000,
      },
    );
  });

  test("after the run settles, each stage's own commits reach its input topic's end", async () => {
    // The services committed these themselves: no test helper commits a stage group's offsets.
    const admin = kafka.admin();
    await admin.connect();
    try {
      const inputs = {
        validate: 'raw',
        convert: 'edxValid',
        anonymize: 'xapiIdentified',
        index: 'xapiAnonymized',
      } as const;
      for (const [stage, input] of Object.entries(inputs)) {
        const topic = TOPICS[input];
        const groupId = pipeline.stageEnv(stage as PipelineStage).GROUP_ID as string;
        const gaps = await waitFor(
          `${stage}'s committed offsets at the end of ${topic}`,
          async () => {
            const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
            const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
            const gaps = (committed?.partitions ?? []).filter((p) => p.offset !== ends.get(p.partition));
            return gaps.length === 0 && (committed?.partitions.length ?? 0) === ends.size ? gaps : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 500 },
        );
        assert.deepEqual(gaps, []);
      }
    } finally {
      await admin.disconnect();
    }
  });
});
