// Ingest in front of a Kafka broker that crashes. The test starts its own single-node KRaft broker
// (the stack's Kafka, on free ports, state in a temporary folder; the shared broker is never
// touched), kills it with SIGKILL mid-test and starts it again on the same data. While it is down,
// a POST must get 503 + Retry-After (never a 200 for data that is not durable) and the heartbeat
// must say so; once it is back, the client's retry succeeds, and everything acknowledged with a
// 200 is on the raw topic exactly once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashSecret, startIngest, type RunningIngest } from '@lrstream/ingest';
import { createKafka, createSchemaCodec, parseBrokers } from '@lrstream/kafka';
import { TOPICS, type RawEvent } from '@lrstream/schemas';
import { applyTopicCatalogue, components, down, loadStackConfig, type StackConfig } from '@lrstream/stack';
import { requiredEnv, waitFor } from '@lrstream/test';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

const run = randomUUID().slice(0, 8);
const dir = mkdtempSync(join(tmpdir(), `lrstream-outage-${run}-`));
const password = randomBytes(12).toString('base64url');
let config: StackConfig;
let brokers = '';
let ingest: RunningIngest | undefined;

function broker() {
  const kafka = components(config).find((c) => c.name === 'kafka');
  assert.ok(kafka);
  return kafka;
}

async function startBroker(): Promise<number> {
  const kafka = broker();
  kafka.prepare(() => undefined); // jars from the shared cache; storage formatted once
  const pid = kafka.start();
  await waitFor('the test broker', async () => ((await kafka.healthy()) ? true : undefined), {
    timeoutMs: 90_000,
    intervalMs: 500,
  });
  return pid;
}

before(async () => {
  config = loadStackConfig({
    ...process.env,
    LRSTREAM_STACK_DIR: join(dir, 'stack'),
    LRSTREAM_KAFKA_PORT: String(await freePort()),
    LRSTREAM_KAFKA_CONTROLLER_PORT: String(await freePort()),
    LRSTREAM_KAFKA_HEAP: '256m',
  });
  brokers = `127.0.0.1:${config.ports.kafka}`;
});

after(async () => {
  await ingest?.stop().catch(() => undefined);
  // Only what this test started: the pid files live in its own state folder.
  await down(config, () => undefined);
  rmSync(dir, { recursive: true, force: true });
});

test(
  'Kafka crashes under ingest: 503 + Retry-After while down, nothing acknowledged is lost',
  { timeout: 300_000 },
  async () => {
    const pid = await startBroker();
    // The operator's set-up step on this broker, as `stack up` does on the stack's.
    await applyTopicCatalogue({
      KAFKA_BROKERS: brokers,
      SCHEMA_REGISTRY_URL: requiredEnv('SCHEMA_REGISTRY_URL'),
      ELASTICSEARCH_URL: requiredEnv('ELASTICSEARCH_URL'),
      PROMETHEUS_URL: requiredEnv('PROMETHEUS_URL'),
    });
    const authFile = join(dir, 'credentials.json');
    writeFileSync(
      authFile,
      JSON.stringify([
        { username: 'outage', hash: await hashSecret(password), scopes: ['statements/write'] },
      ]),
    );
    ingest = await startIngest({
      ...process.env,
      KAFKA_BROKERS: brokers,
      SCHEMA_REGISTRY_URL: requiredEnv('SCHEMA_REGISTRY_URL'),
      INGEST_AUTH_FILE: authFile,
      INGEST_PORT: '0',
      METRICS_PORT: '0',
      INGEST_KAFKA_SEND_TIMEOUT_MS: '3000',
      INGEST_RETRY_AFTER_S: '3',
      LOG_LEVEL: 'fatal',
    });
    const url = ingest.url;
    const statement = (name: string) => ({
      id: randomUUID(),
      actor: {
        objectType: 'Agent',
        account: { homePage: 'https://lms.example.org', name: `${name}-${run}` },
      },
      verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
      object: { objectType: 'Activity', id: `https://lms.example.org/outage/${name}` },
    });
    const post = (body: unknown) =>
      fetch(`${url}/xAPI/statements`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`outage:${password}`).toString('base64')}`,
          'content-type': 'application/json',
          'x-experience-api-version': '1.0.3',
        },
        body: JSON.stringify(body),
      });
    const heartbeat = async () => (await fetch(`${url}/__heartbeat__`)).status;

    const before = statement('before');
    assert.equal((await post(before)).status, 200);
    assert.equal(await heartbeat(), 200);

    // A crash, not a shutdown: no goodbye to the clients.
    process.kill(-pid, 'SIGKILL');
    await waitFor('the broker gone', async () => ((await broker().healthy()) ? undefined : true), {
      timeoutMs: 30_000,
      intervalMs: 200,
    });

    const during = statement('during');
    const refused = await post(during);
    assert.equal(refused.status, 503, await refused.clone().text());
    assert.equal(refused.headers.get('retry-after'), '3');
    assert.equal(((await refused.json()) as { code: string }).code, 'LRS_ERR_KAFKA_UNAVAILABLE');
    assert.equal(await heartbeat(), 500, 'the heartbeat reports the outage');
    const metrics = await (await fetch(ingest.metricsUrl)).text();
    assert.match(metrics, /^lrstream_ingest_kafka_unavailable_total(\{[^}]*\})? [1-9]/m);

    await startBroker();
    // The client's side of the contract: retry after a 503 until acknowledged.
    const retried = statement('after');
    let attempts = 0;
    await waitFor(
      'a 200 once the broker is back',
      async () => (++attempts && (await post(retried)).status === 200 ? true : undefined),
      { timeoutMs: 120_000, intervalMs: 3000 },
    );
    assert.equal(await heartbeat(), 200, 'healthy again after a successful write');

    // Everything acknowledged is on the topic. A 503 means "not acknowledged", not "not written": the
    // producer's own retry may still deliver a refused attempt, so the refused statement may be there
    // (at most once) and the retried one once per attempt at most. Clients retry with the same
    // statement id, which the index de-duplicates (its document id).
    const codec = createSchemaCodec({ url: requiredEnv('SCHEMA_REGISTRY_URL') });
    const kafka = createKafka({ brokers: parseBrokers(brokers), clientId: `outage-${run}` });
    const consumer = kafka.consumer({ groupId: `outage-${run}` });
    const seen = new Map<string, number>();
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: TOPICS.raw, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          if (!message.value) return;
          const record = await codec.decode<RawEvent>(message.value);
          const id = (JSON.parse(Buffer.from(record.payload).toString('utf8')) as { id: string }).id;
          seen.set(id, (seen.get(id) ?? 0) + 1);
        },
      });
      await waitFor('both acknowledged statements on the topic', async () =>
        seen.has(before.id) && seen.has(retried.id) ? true : undefined,
      );
    } finally {
      await consumer.disconnect();
    }
    assert.equal(seen.get(before.id), 1, 'acknowledged before the crash: once');
    const retriedCount = seen.get(retried.id) ?? 0;
    assert.ok(
      retriedCount >= 1 && retriedCount <= attempts,
      `retried: ${retriedCount} copies, ${attempts} attempts`,
    );
    assert.ok((seen.get(during.id) ?? 0) <= 1, 'the refused statement at most once');
  },
);
