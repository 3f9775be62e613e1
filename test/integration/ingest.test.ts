// ingest on the real stack: the service started in-process (startIngest) with a temporary
// credentials file; Marsha-style statements and an edX NDJSON body are POSTed over HTTP, then read
// back from events.raw.v1 with a fresh consumer group. Ends with a short throughput measurement
// (reported, not asserted). It writes to the shared raw topic, so it is bounded twice: by time
// (INGEST_BENCH_SECONDS, which also enables it) and by requests (INGEST_BENCH_MAX_REQUESTS, default 400, i.e.
// 40 000 statements); INGEST_BENCH_CONCURRENCY sets the parallel clients (default 8).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { edxActorKey, xapiActorKey } from '@lrstream/domain';
import { hashSecret, startIngest, type RunningIngest } from '@lrstream/ingest';
import { createKafka, createSchemaCodec, parseBrokers, wireSchemaId } from '@lrstream/kafka';
import { TOPICS, type RawEvent } from '@lrstream/schemas';
import { startGroupAt, topicEnds } from '@lrstream/test';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run with the stack env (npx lrstream stack env).`);
  return value;
}

const run = randomUUID().slice(0, 8);
const client = { username: `ingest-it-${run}`, secret: randomUUID() };
const benchClient = { username: `ingest-bench-${run}`, secret: randomUUID() };
const auth = (c: { username: string; secret: string }) =>
  `Basic ${Buffer.from(`${c.username}:${c.secret}`).toString('base64')}`;

function videoStatement(verb: string, user: string, id?: string): Record<string, unknown> {
  return {
    ...(id ? { id } : {}),
    actor: { objectType: 'Agent', account: { name: user, homePage: 'https://marsha.example' } },
    verb: { id: `https://w3id.org/xapi/video/verbs/${verb}`, display: { 'en-US': verb } },
    object: {
      id: `uuid://${randomUUID()}`,
      objectType: 'Activity',
      definition: {
        type: 'https://w3id.org/xapi/video/activity-type/video',
        name: { 'en-US': `video ${run}` },
      },
    },
    context: {
      extensions: { 'https://w3id.org/xapi/video/extensions/session-id': randomUUID() },
      contextActivities: { category: [{ id: 'https://w3id.org/xapi/video' }] },
    },
    timestamp: new Date().toISOString(),
  };
}

const edxLine = (user: string, userId: number, type: string) =>
  JSON.stringify({
    username: user,
    event_type: type,
    event_source: 'browser',
    time: new Date().toISOString(),
    context: { user_id: userId, course_id: `course-v1:IT+${run}+2026`, org_id: 'IT' },
    event: JSON.stringify({ id: 'video-1', currentTime: 3.5 }),
    page: 'https://lms.example/courses',
  });

interface Received {
  key: string | null;
  value: RawEvent;
  schemaId: number | undefined;
}

/** Where events.raw.v1 ended before this run posted anything (set in `before`). */
let rawStart = new Map<number, string>();

/** Reads events.raw.v1 from `rawStart` with a fresh group until `count` records of `producer`. */
async function readRaw(producer: string, count: number, timeoutMs = 120_000): Promise<Received[]> {
  const marker = Buffer.from(producer);
  const kafka = createKafka({
    brokers: parseBrokers(required('KAFKA_BROKERS')),
    clientId: `ingest-it-${run}`,
  });
  const codec = createSchemaCodec({ url: required('SCHEMA_REGISTRY_URL') });
  const groupId = `ingest-it-${run}-${randomUUID().slice(0, 4)}`;
  // Only what this run can have sent: a long-lived stack's raw topic may be large.
  await startGroupAt(required('KAFKA_BROKERS'), groupId, TOPICS.raw, rawStart);
  const consumer = kafka.consumer({ groupId });
  const found: Received[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPICS.raw, fromBeginning: true });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachMessage: async ({ message }) => {
              // The shared topic may hold many records: skip, without decoding, those that cannot be ours
              // (Avro writes strings as their UTF-8 bytes).
              if (!message.value?.includes(marker)) return;
              const value = await codec.decode<RawEvent>(message.value);
              if (value.producer !== producer) return;
              found.push({
                key: message.key?.toString() ?? null,
                value,
                schemaId: wireSchemaId(message.value),
              });
              if (found.length >= count) resolve();
            },
          })
          .catch(reject);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`only ${found.length}/${count} records of ${producer} within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
  }
  return found;
}

describe('ingest: HTTP -> events.raw.v1 on the real stack', () => {
  let ingest: RunningIngest;
  let dir: string;

  before(async () => {
    process.env.LOG_LEVEL ??= 'warn';
    rawStart = await topicEnds(required('KAFKA_BROKERS'), TOPICS.raw);
    dir = await mkdtemp(join(tmpdir(), 'ingest-it-'));
    const authFile = join(dir, 'auth.json');
    await writeFile(
      authFile,
      JSON.stringify(
        await Promise.all(
          [client, benchClient].map(async (c) => ({
            username: c.username,
            hash: await hashSecret(c.secret),
            scopes: ['statements/write', 'edx/write'],
          })),
        ),
      ),
    );
    ingest = await startIngest({
      KAFKA_BROKERS: required('KAFKA_BROKERS'),
      SCHEMA_REGISTRY_URL: required('SCHEMA_REGISTRY_URL'),
      INGEST_PORT: '0',
      METRICS_PORT: '0',
      INGEST_AUTH_FILE: authFile,
    });
  });

  after(async () => {
    await ingest?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('statements and tracking-log lines are stored byte-exact, keyed by actor, after acknowledgement', async () => {
    const learner = `learner-${run}`;
    const ids = [randomUUID(), randomUUID()];
    const batch = [
      videoStatement('initialized', learner, ids[0]),
      videoStatement('played', learner, ids[1]),
      videoStatement('paused', learner), // no id: ingest generates one
    ];
    const batchBody = `[${batch.map((s) => JSON.stringify(s)).join(',\n ')}]`;
    const xapiHeaders = {
      authorization: auth(client),
      'content-type': 'application/json',
      'x-experience-api-version': '1.0.3',
    };
    const posted = await fetch(`${ingest.url}/xAPI/statements`, {
      method: 'POST',
      headers: xapiHeaders,
      body: batchBody,
    });
    assert.equal(posted.status, 200, await posted.clone().text());
    const returned = (await posted.json()) as string[];
    assert.equal(returned.length, 3);
    assert.deepEqual(returned.slice(0, 2), ids);

    // Marsha sends one statement per request: keep its exact bytes, odd spacing included.
    const singleId = randomUUID();
    const single = videoStatement('completed', learner, singleId);
    const singleBody = JSON.stringify(single, null, 3);
    const put = await fetch(`${ingest.url}/xAPI/statements?statementId=${singleId}`, {
      method: 'PUT',
      headers: xapiHeaders,
      body: singleBody,
    });
    assert.equal(put.status, 204);

    const lines = [
      edxLine(`edx-${run}`, 4242, 'play_video'),
      '{"username": "half a line',
      edxLine(`edx-${run}`, 4242, 'pause_video'),
    ];
    const edx = await fetch(`${ingest.url}/edx/events`, {
      method: 'POST',
      headers: { authorization: auth(client), 'content-type': 'application/x-ndjson' },
      body: `${lines[0]}\n\n${lines[1]}\n${lines[2]}\n`,
    });
    assert.equal(edx.status, 200);
    assert.deepEqual(await edx.json(), { accepted: 3, blank: 1 });

    const records = await readRaw(client.username, 7);
    assert.equal(records.length, 7);
    const byPayload = new Map(records.map((r) => [r.value.payload.toString('utf8'), r]));
    const actorKey = xapiActorKey(batch[0]?.actor);
    assert.ok(actorKey);

    for (const statement of [batch[0], batch[1]]) {
      const record = byPayload.get(JSON.stringify(statement));
      assert.ok(record, 'statement stored with its exact bytes');
      assert.equal(record.key, actorKey);
      assert.equal(record.value.format, 'xapi');
      assert.equal(record.value.channel, 'http');
      assert.equal(record.value.xapi_version, '1.0.3');
      assert.ok(record.schemaId && record.schemaId > 0, 'Confluent-framed Avro');
    }
    const generated = records.find(
      (r) => r.value.format === 'xapi' && JSON.parse(r.value.payload.toString()).id === returned[2],
    );
    assert.ok(generated, 'the generated id travels in the stored statement');
    assert.deepEqual(JSON.parse(generated.value.payload.toString()), { id: returned[2], ...batch[2] });
    assert.equal(byPayload.get(singleBody)?.key, actorKey, 'PUT body stored byte-exact');

    const edxKey = edxActorKey(JSON.parse(lines[0] as string));
    for (const line of lines) {
      const record = byPayload.get(line as string);
      assert.ok(record, `edX line stored: ${String(line).slice(0, 30)}`);
      assert.equal(record.value.format, 'edx');
      assert.equal(record.value.xapi_version, null);
      assert.equal(record.key, line === lines[1] ? record.value.event_id : edxKey);
    }
    assert.equal(new Set(records.map((r) => r.value.event_id)).size, 7, 'one event id per record');

    const metrics = await (await fetch(ingest.metricsUrl)).text();
    assert.match(metrics, /lrstream_ingest_events_accepted_total\{[^}]*format="xapi"[^}]*\} 4/);
    assert.match(metrics, /lrstream_ingest_events_accepted_total\{[^}]*format="edx"[^}]*\} 3/);
  });

  // A measurement, not a test: run on demand so CI does not pour 40 000 records into the shared topic.
  const benchSkip = process.env.INGEST_BENCH_SECONDS ? false : 'set INGEST_BENCH_SECONDS to measure';
  test(
    'throughput: batches of 100 statements against the real Kafka (figure reported)',
    { skip: benchSkip },
    async (t) => {
      const seconds = Number(process.env.INGEST_BENCH_SECONDS ?? 20);
      const maxRequests = Number(process.env.INGEST_BENCH_MAX_REQUESTS ?? 400);
      const concurrency = Number(process.env.INGEST_BENCH_CONCURRENCY ?? 8);
      const statements = Array.from({ length: 100 }, (_, i) => videoStatement('played', `bench-${i % 17}`));
      const body = JSON.stringify(statements);
      const headers = {
        authorization: auth(benchClient),
        'content-type': 'application/json',
        'x-experience-api-version': '1.0.3',
      };
      const deadline = Date.now() + seconds * 1000;
      const statuses = new Map<number, number>();
      let requests = 0;
      let startedRequests = 0;
      const started = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (Date.now() < deadline && startedRequests < maxRequests) {
            startedRequests += 1;
            const res = await fetch(`${ingest.url}/xAPI/statements`, { method: 'POST', headers, body });
            await res.arrayBuffer();
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            requests += 1;
          }
        }),
      );
      const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
      const figure =
        `ingest throughput: ${(requests / elapsed).toFixed(1)} requests/s, ${((requests * 100) / elapsed).toFixed(0)} ` +
        `events/s (${requests} POSTs of 100 statements, ${concurrency} concurrent clients, ${elapsed.toFixed(1)} s, ` +
        `${body.length} bytes per body)`;
      t.diagnostic(figure);
      console.log(figure);
      assert.deepEqual([...statuses.keys()], [200], `statuses ${JSON.stringify([...statuses])}`);
    },
  );
});
