// The stage loop without a broker: every outcome and handler path, through fakes of its ports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createLogger, createMetricsRegistry, PoisonError, RetryableError } from '@lrstream/runtime';
import { TOPICS, type DeadLetter, type TopicId } from '@lrstream/schemas';
import { createStageMetrics } from '../src/metrics.js';
import { createInputDecoder, DECODE_CODES } from '../src/input-decoder.js';
import {
  createStageLoop,
  LOOP_CODES,
  type InputRecord,
  type Outcome,
  type ProduceRecord,
  type SourceRecord,
  type StageLoopOptions,
} from '../src/stage-loop.js';

type Value = { n: number; text?: string };

// A fake registry: id 1 is the input's schema, 2 another record (a DeadLetter), the rest unknown.
// Values are JSON behind the Confluent frame, enough to exercise every path of the decoder.
const WRITERS = new Map<number, string>([
  [1, 'test.Input'],
  [2, 'lrstream.v1.DeadLetter'],
  [10, 'test.Output'],
  [11, 'lrstream.v1.DeadLetter'],
]);
const frame = (id: number, body: string | Buffer): Buffer => {
  const head = Buffer.alloc(5);
  head.writeInt32BE(id, 1);
  return Buffer.concat([head, Buffer.isBuffer(body) ? body : Buffer.from(body)]);
};
const unframe = (buffer: Buffer): unknown =>
  JSON.parse(buffer.subarray(5).toString(), (_k, v: unknown) =>
    v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer'
      ? Buffer.from((v as { data: number[] }).data)
      : v,
  );

interface Harness {
  loop: ReturnType<typeof createStageLoop<Value>>;
  sent: ProduceRecord[][];
  commits: { partition: number; offset: string }[];
  events: string[];
  clock: { now: number };
  metrics: ReturnType<typeof createStageMetrics>;
  registry: ReturnType<typeof createMetricsRegistry>;
}

function harness(
  overrides: Partial<StageLoopOptions<Value>> & { sendFailures?: unknown[]; unknownIdGraceMs?: number } = {},
): Harness {
  const registry = createMetricsRegistry({ service: 'test' });
  const metrics = createStageMetrics('looptest', registry);
  const sent: ProduceRecord[][] = [];
  const commits: { partition: number; offset: string }[] = [];
  const events: string[] = [];
  const clock = { now: 1_000_000 };
  const sendFailures = [...(overrides.sendFailures ?? [])];
  const loop = createStageLoop<Value>({
    stage: 'looptest',
    deadLetter: 'deadLetterIdentified',
    log: createLogger({ service: 'test' }, 'silent'),
    metrics,
    decoder: createInputDecoder<Value>({
      expected: { fullName: 'test.Input', schema: {} },
      codec: {
        writerName: async (id) => WRITERS.get(id) ?? null,
        decodeAs: async <T>(buffer: Buffer) => {
          const value = unframe(buffer) as Value;
          if (typeof value.n !== 'number') throw new Error('not an Input');
          return value as T;
        },
      },
      requireKey: true,
      unknownIdGraceMs: overrides.unknownIdGraceMs ?? 30_000,
      now: () => clock.now,
    }),
    process: async (records) =>
      records.map((r) => ({
        kind: 'emit',
        outputs: [{ topic: 'edxValid' as TopicId, key: `k${r.value.n}`, value: { n: r.value.n * 10 } }],
      })),
    encode: async (topic, value) => frame(topic === 'deadLetterIdentified' ? 11 : 10, JSON.stringify(value)),
    send: async (chunks) => {
      events.push('send');
      const failure = sendFailures.shift();
      if (failure) throw failure;
      sent.push(...chunks);
    },
    commit: async (_topic, partition, offset) => {
      events.push('commit');
      commits.push({ partition, offset });
    },
    sleep: async (ms) => {
      clock.now += ms;
    },
    now: () => clock.now,
    backoff: { initialMs: 100, maxMs: 1000 },
    retryBudgetMs: 10_000,
    ...overrides,
  });
  return { loop, sent, commits, events, clock, metrics, registry };
}

const good = (offset: number, n: number): SourceRecord => ({
  offset: String(offset),
  key: Buffer.from(`key-${n}`),
  value: frame(1, JSON.stringify({ n })),
  timestamp: '1700000000000',
});
const active = { isActive: () => true, heartbeat: async () => undefined };
const batch = (records: SourceRecord[]) => ({ topic: 'in.v1', partition: 3, records });
const all = (h: Harness) => h.sent.flat();
const deadLetters = (h: Harness): DeadLetter[] =>
  all(h)
    .filter((r) => r.topic === TOPICS.deadLetterIdentified)
    .map((r) => unframe(r.value) as DeadLetter);
const outputs = (h: Harness) => all(h).filter((r) => r.topic === TOPICS.edxValid);
const counter = async (h: Harness, name: string) =>
  (await h.registry.getSingleMetric(`lrstream_looptest_${name}`)?.get())?.values ?? [];

test('outputs are acknowledged before the offset after the batch is committed', async () => {
  const h = harness();
  const result = await h.loop.handle(batch([good(40, 1), good(41, 2), good(42, 3)]), active);
  assert.deepEqual(result, { kind: 'done', nextOffset: '43', committed: true });
  assert.deepEqual(h.events, ['send', 'commit']);
  assert.deepEqual(h.commits, [{ partition: 3, offset: '43' }]);
  assert.deepEqual(
    outputs(h).map((r) => unframe(r.value)),
    [{ n: 10 }, { n: 20 }, { n: 30 }],
  );
  const consumed = await counter(h, 'events_consumed_total');
  assert.equal(consumed[0]?.value, 3);
});

test('a retryable send failure retries the batch and commits only after an acknowledged send', async () => {
  const failure = Object.assign(new Error('broker down'), { name: 'KafkaJSConnectionError' });
  const h = harness({ sendFailures: [failure, failure] });
  const result = await h.loop.handle(batch([good(0, 1)]), active);
  assert.equal(result.kind, 'done');
  assert.deepEqual(h.events, ['send', 'send', 'send', 'commit']);
  assert.equal(outputs(h).length, 1);
  const retries = await counter(h, 'retries_total');
  assert.equal(retries.find((v) => v.labels.code === 'LRS_ERR_TRANSIENT')?.value, 2);
});

test('a send refused for a reason Kafka calls final is still retried, never skipped', async () => {
  const h = harness({ sendFailures: [Object.assign(new Error('INVALID_RECORD'), { retriable: false })] });
  const result = await h.loop.handle(batch([good(0, 1)]), active);
  assert.equal(result.kind, 'done');
  const retries = await counter(h, 'retries_total');
  assert.equal(retries.find((v) => v.labels.code === LOOP_CODES.produce)?.value, 1);
});

test('the deserialization handler dead-letters every kind of undecodable record, the rest flows', async () => {
  const h = harness();
  const records: SourceRecord[] = [
    good(0, 1),
    { offset: '1', key: Buffer.from('k'), value: null, timestamp: '0' },
    { offset: '2', key: null, value: frame(1, JSON.stringify({ n: 5 })), timestamp: '0' },
    { offset: '3', key: Buffer.from('k'), value: Buffer.from('{"not":"avro"}'), timestamp: '0' },
    { offset: '4', key: Buffer.from('k'), value: frame(2, JSON.stringify({ stage: 'x' })), timestamp: '0' },
    { offset: '5', key: Buffer.from('k'), value: frame(1, 'garbage'), timestamp: '0' },
    good(6, 2),
  ];
  const result = await h.loop.handle(batch(records), active);
  assert.equal(result.kind, 'done');
  assert.deepEqual(
    deadLetters(h).map((d) => [d.source_offset, d.error_code]),
    [
      [1, DECODE_CODES.nullValue],
      [2, DECODE_CODES.missingKey],
      [3, DECODE_CODES.notAvro],
      [4, DECODE_CODES.wrongSchema],
      [5, DECODE_CODES.badAvro],
    ],
  );
  for (const d of deadLetters(h)) {
    assert.equal(d.stage, 'looptest');
    assert.equal(d.source_topic, 'in.v1');
    assert.equal(d.source_partition, 3);
  }
  assert.deepEqual(
    outputs(h).map((r) => unframe(r.value)),
    [{ n: 10 }, { n: 20 }],
  );
  assert.deepEqual(h.commits, [{ partition: 3, offset: '7' }]);
});

test('an unknown schema id is retried while the registry may be restarting, then dead-lettered', async () => {
  const h = harness({ unknownIdGraceMs: 5_000 });
  const unknown: SourceRecord = {
    offset: '0',
    key: Buffer.from('k'),
    value: frame(999, JSON.stringify({ n: 1 })),
    timestamp: '0',
  };
  const started = h.clock.now;
  const result = await h.loop.handle(batch([unknown, good(1, 2)]), active);
  assert.equal(result.kind, 'done');
  assert.ok(h.clock.now - started >= 5_000, 'retried for the grace period first');
  assert.deepEqual(
    deadLetters(h).map((d) => d.error_code),
    [DECODE_CODES.unknownId],
  );
  assert.equal(outputs(h).length, 1);
});

test('a throwing process() is isolated to its record: one dead letter, no data in its message', async () => {
  const secret = 'alice@example.org';
  const h = harness({
    process: async (records: InputRecord<Value>[]) =>
      records.map((r): Outcome => {
        if (r.value.n === 2) throw new TypeError(`Cannot read ${secret}`);
        return { kind: 'emit', outputs: [{ topic: 'edxValid', key: 'k', value: { n: r.value.n } }] };
      }),
  });
  const result = await h.loop.handle(batch([good(0, 1), good(1, 2), good(2, 3)]), active);
  assert.equal(result.kind, 'done');
  const letters = deadLetters(h);
  assert.equal(letters.length, 1);
  assert.equal(letters[0]?.error_code, LOOP_CODES.processing);
  assert.equal(letters[0]?.source_offset, 1);
  assert.ok(!letters[0]?.error_message.includes(secret), letters[0]?.error_message);
  assert.match(letters[0]?.error_message ?? '', /TypeError/);
  // The original bytes are kept in the identified dead-letter topic, to be redriven.
  assert.deepEqual(letters[0]?.payload, good(1, 2).value);
  assert.deepEqual(
    outputs(h).map((r) => unframe(r.value)),
    [{ n: 1 }, { n: 3 }],
  );
  const errors = await counter(h, 'processing_errors_total');
  assert.equal(errors[0]?.value, 1);
});

test('an error raised on purpose keeps its code and message', async () => {
  const h = harness({
    process: async () => {
      throw new PoisonError('CONVERT_NO_RULE', 'No conversion rule for this event type.', '/event_type');
    },
  });
  await h.loop.handle(batch([good(0, 1)]), active);
  const [letter] = deadLetters(h);
  assert.equal(letter?.error_code, 'CONVERT_NO_RULE');
  assert.equal(letter?.error_pointer, '/event_type');
});

test('a process() that answers the wrong number of outcomes is isolated too', async () => {
  const h = harness({
    process: async (records) => (records.length > 1 ? [] : [{ kind: 'filtered', rule: 'r' }]),
  });
  const result = await h.loop.handle(batch([good(0, 1), good(1, 2)]), active);
  assert.equal(result.kind, 'done');
  const filtered = await counter(h, 'events_filtered_total');
  assert.equal(filtered.find((v) => v.labels.rule === 'r')?.value, 2);
});

test('an output too large for Kafka dead-letters its input; a dead letter too large is truncated to fit', async () => {
  const big = 'x'.repeat(5000);
  const h = harness({
    maxRecordBytes: 2000,
    process: async (records) =>
      records.map((r) => ({
        kind: 'emit',
        outputs: [{ topic: 'edxValid', key: 'k', value: { n: r.value.n, big } }],
      })),
  });
  const input: SourceRecord = { ...good(7, 1), value: frame(1, JSON.stringify({ n: 1, text: big })) };
  const result = await h.loop.handle(batch([input]), active);
  assert.equal(result.kind, 'done');
  assert.equal(outputs(h).length, 0);
  const [record] = all(h);
  assert.ok(record && record.value.length <= 2000, `dead letter of ${record?.value.length} bytes`);
  const [letter] = deadLetters(h);
  assert.equal(letter?.error_code, LOOP_CODES.tooLarge);
  assert.equal(letter?.payload_truncated, true);
  assert.equal(letter?.payload_bytes, input.value?.length);
  assert.equal(
    letter?.payload_sha256,
    createHash('sha256')
      .update(input.value as Buffer)
      .digest('hex'),
  );
  assert.equal(letter?.source_offset, 7);
});

test('an output that does not encode dead-letters its input with a code', async () => {
  const h = harness({
    encode: async (topic, value) => {
      if (topic === 'edxValid') throw new Error('invalid "n": alice');
      return frame(11, JSON.stringify(value));
    },
  });
  await h.loop.handle(batch([good(0, 1)]), active);
  const [letter] = deadLetters(h);
  assert.equal(letter?.error_code, LOOP_CODES.encode);
  assert.ok(!letter?.error_message.includes('alice'));
});

test('a retry budget spent hands the batch back stalled: nothing sent, nothing committed', async () => {
  let calls = 0;
  const h = harness({
    process: async () => {
      calls += 1;
      throw new RetryableError('ES_UNAVAILABLE', 'down');
    },
  });
  const started = h.clock.now;
  const result = await h.loop.handle(batch([good(0, 1)]), active);
  assert.deepEqual(result, { kind: 'stalled', code: 'ES_UNAVAILABLE' });
  assert.ok(calls > 3, `${calls} attempts`);
  assert.ok(h.clock.now - started <= 10_000);
  assert.deepEqual(h.commits, []);
  assert.deepEqual(h.sent, []);
});

test('a batch that stops being ours is abandoned without a commit', async () => {
  let active = true;
  const h = harness({
    process: async () => {
      active = false;
      throw new RetryableError('ES_UNAVAILABLE', 'down');
    },
  });
  const result = await h.loop.handle(batch([good(0, 1)]), {
    isActive: () => active,
    heartbeat: async () => undefined,
  });
  assert.deepEqual(result, { kind: 'abandoned' });
  assert.deepEqual(h.commits, []);
});

test('a failed commit does not redo the batch: outputs are durable, the records may only be read again', async () => {
  const h = harness({
    commit: async () => {
      throw Object.assign(new Error('rebalance'), {
        name: 'KafkaJSProtocolError',
        type: 'REBALANCE_IN_PROGRESS',
      });
    },
  });
  const result = await h.loop.handle(batch([good(0, 1)]), active);
  assert.deepEqual(result, { kind: 'done', nextOffset: '1', committed: false });
  assert.equal(outputs(h).length, 1);
  const failures = await counter(h, 'offset_commit_failures_total');
  assert.equal(failures[0]?.value, 1);
});

test('a defect of the loop itself (not retryable, outside any handler) is not swallowed', async () => {
  const h = harness({
    decoder: {
      decode: async () => {
        throw new Error('bug');
      },
    },
  });
  await assert.rejects(h.loop.handle(batch([good(0, 1)]), active), /bug/);
  assert.deepEqual(h.commits, []);
});

test('a dead letter keeps the failure time its stage gives (coarsened times stay coarse)', async () => {
  const hour = 3_600_000;
  const h = harness({
    process: async (records) =>
      records.map(() => ({ kind: 'dead-letter', code: 'ES_REJECTED', message: 'm', failedAt: 5 * hour })),
  });
  await h.loop.handle(batch([good(0, 1)]), active);
  const [record] = all(h);
  assert.equal(record?.timestamp, String(5 * hour), 'the Kafka record time');
  assert.equal(Number(deadLetters(h)[0]?.failed_at), 5 * hour);
});
