// The kafkajs adapter of the stage loop, against a fake client: where a group starts, what a
// crashed consumer does to the service, and that schemas are looked up, never registered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Kafka } from 'kafkajs';
import { createLogger, createMetricsRegistry } from '@lrstream/runtime';
import { createStageMetrics } from '../src/metrics.js';
import type { SchemaCodec } from '../src/registry.js';
import { runStage } from '../src/stage.js';

const EVENTS = {
  GROUP_JOIN: 'consumer.group_join',
  CRASH: 'consumer.crash',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
} as const;

function fakeKafka(committed: Record<number, string>, bounds: Record<number, { low: string; high: string }>) {
  const emitter = new EventEmitter();
  const calls = { commits: [] as unknown[], seeks: [] as unknown[], registered: 0, disconnected: 0 };
  const consumer = {
    events: EVENTS,
    on: (event: string, listener: (e: unknown) => void) => emitter.on(event, listener),
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async () => undefined,
    commitOffsets: async (offsets: unknown[]) => void calls.commits.push(...offsets),
    seek: (target: unknown) => void calls.seeks.push(target),
    pause: () => undefined,
    resume: () => undefined,
    disconnect: async () => void (calls.disconnected += 1),
  };
  const kafka = {
    consumer: () => consumer,
    producer: () => ({ connect: async () => undefined, disconnect: async () => undefined }),
    admin: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      fetchOffsets: async () => [
        {
          topic: 'xapi.anonymized.v1',
          partitions: Object.entries(committed).map(([p, offset]) => ({ partition: Number(p), offset })),
        },
      ],
      fetchTopicOffsets: async () =>
        Object.entries(bounds).map(([p, b]) => ({ partition: Number(p), offset: b.high, ...b })),
    }),
  };
  const emit = (event: string, payload: unknown) => emitter.emit(event, { payload });
  return { kafka: kafka as unknown as Kafka, calls, emit };
}

const codec = (calls: { registered: number }): SchemaCodec => ({
  registerValueSchema: async () => {
    calls.registered += 1;
    return 1;
  },
  lookupValueSchemaId: async () => 7,
  encode: async () => Buffer.alloc(0),
  decode: async () => ({}) as never,
  writerName: async () => null,
  decodeAs: async () => ({}) as never,
});

async function start(
  startFrom: 'earliest' | 'latest',
  fake: ReturnType<typeof fakeKafka>,
  onFatal: (err: unknown) => void = () => undefined,
) {
  return runStage({
    stage: 'index',
    kafka: fake.kafka,
    codec: codec(fake.calls),
    log: createLogger({ service: 'test' }, 'silent'),
    metrics: createStageMetrics('adaptertest', createMetricsRegistry({ service: 't' })),
    groupId: 'g',
    input: 'xapiAnonymized',
    outputs: [],
    deadLetter: 'deadLetterAnonymized',
    startFrom,
    process: async () => [],
    onFatal,
  });
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check());
};

test('on joining, partitions without a commit get the START_FROM position committed and sought', async () => {
  const fake = fakeKafka(
    { 0: '42', 1: '-1', 2: '-1' },
    { 0: { low: '0', high: '50' }, 1: { low: '3', high: '90' }, 2: { low: '0', high: '0' } },
  );
  const stage = await start('latest', fake);
  assert.equal(stage.ready(), false, 'not ready before joining');
  fake.emit(EVENTS.GROUP_JOIN, { memberAssignment: { 'xapi.anonymized.v1': [0, 1, 2] } });
  await until(() => stage.ready());
  const expected = [
    { topic: 'xapi.anonymized.v1', partition: 1, offset: '90' },
    { topic: 'xapi.anonymized.v1', partition: 2, offset: '0' },
  ];
  assert.deepEqual(fake.calls.commits, expected, 'partition 0 keeps its own commit');
  assert.deepEqual(fake.calls.seeks, expected);
  assert.equal(fake.calls.registered, 0, 'schemas are looked up, never registered');
  await stage.stop();
});

test('earliest commits the oldest retained offset of a partition without a commit', async () => {
  const fake = fakeKafka({ 1: '-1' }, { 1: { low: '3', high: '90' } });
  const stage = await start('earliest', fake);
  fake.emit(EVENTS.GROUP_JOIN, { memberAssignment: { 'xapi.anonymized.v1': [1] } });
  await until(() => stage.ready());
  assert.deepEqual(fake.calls.commits, [{ topic: 'xapi.anonymized.v1', partition: 1, offset: '3' }]);
  await stage.stop();
});

test('a consumer that crashed for good makes the service fatal and unhealthy; a restartable crash does not', async () => {
  const fake = fakeKafka({ 0: '1' }, { 0: { low: '0', high: '1' } });
  const fatal: unknown[] = [];
  const stage = await start('earliest', fake, (err) => fatal.push(err));
  fake.emit(EVENTS.GROUP_JOIN, { memberAssignment: { 'xapi.anonymized.v1': [0] } });
  await until(() => stage.ready());
  assert.equal(stage.healthy(), true);

  fake.emit(EVENTS.CRASH, { error: new Error('broker gone'), restart: true });
  assert.deepEqual(fatal, [], 'kafkajs restarts it: not fatal');
  assert.equal(stage.ready(), false, 'not ready until it rejoins');
  assert.equal(stage.healthy(), true, 'healthy while it rejoins (for a grace period)');

  fake.emit(EVENTS.CRASH, { error: new TypeError('boom'), restart: false });
  assert.equal(fatal.length, 1, 'onFatal called');
  assert.equal(stage.healthy(), false);
  assert.equal(stage.ready(), false);
  await stage.stop();
});

test('a stage refuses to start when a schema of its build is not registered', async () => {
  const fake = fakeKafka({}, {});
  await assert.rejects(
    runStage({
      stage: 'index',
      kafka: fake.kafka,
      codec: {
        ...codec(fake.calls),
        lookupValueSchemaId: async () => {
          throw Object.assign(new Error('run "lrstream topics apply" first'), {
            code: 'LRS_ERR_SCHEMA_NOT_REGISTERED',
            retryable: false,
          });
        },
      },
      log: createLogger({ service: 'test' }, 'silent'),
      metrics: createStageMetrics('adaptertest2', createMetricsRegistry({ service: 't' })),
      groupId: 'g',
      input: 'xapiAnonymized',
      outputs: [],
      deadLetter: 'deadLetterAnonymized',
      process: async () => [],
    }),
    /topics apply/,
  );
  assert.equal(fake.calls.registered, 0);
});

test('a fetch of transaction markers only moves the committed position past them, never back', async () => {
  const fake = fakeKafka({ 0: '10' }, { 0: { low: '0', high: '12' } });
  const stage = await start('earliest', fake);
  fake.emit(EVENTS.GROUP_JOIN, { memberAssignment: { 'xapi.anonymized.v1': [0] } });
  await until(() => stage.ready());
  const marker = { topic: 'xapi.anonymized.v1', partition: 0, highWatermark: '12', batchSize: 0 };
  fake.emit(EVENTS.END_BATCH_PROCESS, { ...marker, lastOffset: '11' });
  await until(() => fake.calls.commits.length === 1);
  assert.deepEqual(fake.calls.commits, [{ topic: 'xapi.anonymized.v1', partition: 0, offset: '12' }]);
  // An older marker fetch seen late, or a batch with records (the loop commits those): no commit.
  fake.emit(EVENTS.END_BATCH_PROCESS, { ...marker, lastOffset: '9' });
  fake.emit(EVENTS.END_BATCH_PROCESS, { ...marker, lastOffset: '20', batchSize: 3 });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(fake.calls.commits.length, 1);
  await stage.stop();
});
