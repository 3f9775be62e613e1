import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InputRecord } from '@lrstream/kafka';
import { createLogger, createMetricsRegistry, RetryableError } from '@lrstream/runtime';
import type { XapiAnonymized } from '@lrstream/schemas';
import { createIndexMetrics } from '../src/metrics.js';
import { createSink, type BulkFn } from '../src/sink.js';
import { anonymizedStore } from '../src/stores.js';
import type { BulkItem } from '../src/bulk.js';

const log = createLogger({ service: 'index-test' }, 'silent');

function record(
  n: number,
  statement: object = { id: `s${n}`, verb: { id: 'v' } },
): InputRecord<XapiAnonymized> {
  return {
    topic: 'xapi.anonymized.v1',
    partition: 0,
    offset: String(n),
    key: null,
    timestamp: 0,
    value: {
      statement_id: `s${n}`,
      event_id: `e${n}`,
      received_at: Date.UTC(2026, 10, 22, 8),
      origin: { topic: 'events.raw.v1', partition: 0, offset: n },
      source_format: 'xapi',
      time_granularity_ms: null,
      timestamp: null,
      verb_id: 'v',
      object_type: 'Activity',
      object_id: null,
      course_id: null,
      actor_pseudonym: null,
      policy: 'anonymize@1',
      key_id: null,
      statement_json: JSON.stringify(statement),
    },
  };
}

/** A fake _bulk that answers each document with the status `statusFor(id)` gives. */
function fakeBulk(statusFor: (id: string) => BulkItem) {
  const calls: string[][] = [];
  const bulk: BulkFn = async (lines) => {
    calls.push(lines);
    const items = [];
    for (let i = 0; i < lines.length; i += 2) {
      const action = JSON.parse(lines[i] ?? '{}') as { index: { _id: string } };
      items.push({ index: statusFor(action.index._id) });
    }
    return { items };
  };
  return { bulk, calls };
}

function setup(bulk: BulkFn, limits = { maxDocs: 100, maxBytes: 1 << 20 }) {
  const registry = createMetricsRegistry({ service: 'index-test' });
  const metrics = createIndexMetrics(registry);
  const sink = createSink({
    ...anonymizedStore('p'),
    bulk,
    limits,
    metrics,
    log,
    now: () => Date.UTC(2026, 10, 22, 8, 0, 2),
  });
  const value = async (name: string, labels: Record<string, string> = {}) => {
    // Histograms list their _count/_sum series under the histogram's name, with metricName set.
    const values = (await registry.getMetricsAsJSON()).flatMap((m) =>
      m.values.map((v) => ({ ...v, series: (v as { metricName?: string }).metricName ?? m.name })),
    );
    const match = values.find(
      (v) => v.series === name && Object.entries(labels).every(([k, l]) => v.labels[k] === l),
    );
    return match?.value ?? 0;
  };
  return { sink, value };
}

test('all acknowledged: every record delivered, counters and latency observed', async () => {
  const { bulk, calls } = fakeBulk(() => ({ status: 201 }));
  const { sink, value } = setup(bulk);
  const outcomes = await sink([record(1), record(2), record(3)]);
  assert.deepEqual(
    outcomes.map((o) => o.kind),
    ['delivered', 'delivered', 'delivered'],
  );
  assert.equal(calls.length, 1);
  assert.equal(calls[0]?.length, 6);
  assert.equal(await value('lrstream_index_documents_indexed_total', { store: 'anonymized' }), 3);
  assert.equal(await value('lrstream_index_end_to_end_latency_seconds_count', { store: 'anonymized' }), 3);
  assert.equal(await value('lrstream_index_end_to_end_latency_seconds_sum', { store: 'anonymized' }), 6);
});

test('a 400 item is dead-lettered with ES_REJECTED_<type> and the statement bytes; others delivered', async () => {
  const { bulk } = fakeBulk((id) =>
    id === 's2'
      ? {
          status: 400,
          error: {
            type: 'document_parsing_exception',
            reason:
              "failed to parse field [result.score.raw] of type [double]. Preview of field's value: 'x'",
          },
        }
      : { status: 201 },
  );
  const { sink, value } = setup(bulk);
  const outcomes = await sink([record(1), record(2), record(3)]);
  assert.deepEqual(
    outcomes.map((o) => o.kind),
    ['delivered', 'dead-letter', 'delivered'],
  );
  const letter = outcomes[1];
  assert.ok(letter?.kind === 'dead-letter');
  assert.equal(letter.code, 'ES_REJECTED_DOCUMENT_PARSING_EXCEPTION');
  assert.equal(letter.eventId, 'e2');
  assert.deepEqual(JSON.parse(letter.payload?.toString('utf8') ?? ''), { id: 's2', verb: { id: 'v' } });
  assert.doesNotMatch(letter.message, /Preview/);
  assert.equal(
    await value('lrstream_index_bulk_items_failed_total', { reason: 'document_parsing_exception' }),
    1,
  );
  assert.equal(await value('lrstream_index_documents_indexed_total'), 2);
});

test('a 429 item makes the whole batch retryable (nothing delivered, nothing dead-lettered)', async () => {
  const { bulk } = fakeBulk((id) =>
    id === 's3' ? { status: 429, error: { type: 'es_rejected_execution_exception' } } : { status: 201 },
  );
  const { sink, value } = setup(bulk);
  await assert.rejects(sink([record(1), record(2), record(3)]), (err: unknown) => {
    assert.ok(err instanceof RetryableError);
    assert.equal(err.code, 'ES_BULK_ITEM_RETRYABLE');
    return true;
  });
  assert.equal(
    await value('lrstream_index_bulk_items_failed_total', { reason: 'es_rejected_execution_exception' }),
    1,
  );
});

test('Elasticsearch unreachable -> RetryableError; a 400 on the whole request is not retried', async () => {
  const down = setup(async () => {
    throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'ConnectionError' });
  });
  await assert.rejects(
    down.sink([record(1)]),
    (err: unknown) => err instanceof RetryableError && err.code === 'ES_UNAVAILABLE',
  );
  const bad = setup(async () => {
    throw Object.assign(new Error('bad request'), { name: 'ResponseError', meta: { statusCode: 400 } });
  });
  await assert.rejects(bad.sink([record(1)]), (err: unknown) => !(err instanceof RetryableError));
});

test('a statement that is not JSON is dead-lettered without reaching Elasticsearch', async () => {
  const { bulk, calls } = fakeBulk(() => ({ status: 201 }));
  const { sink } = setup(bulk);
  const broken = record(2);
  broken.value.statement_json = '{"id":';
  const outcomes = await sink([record(1), broken]);
  assert.deepEqual(
    outcomes.map((o) => o.kind),
    ['delivered', 'dead-letter'],
  );
  assert.equal(outcomes[1]?.kind === 'dead-letter' && outcomes[1].code, 'INDEX_STATEMENT_NOT_JSON');
  assert.equal(calls.length, 1);
  assert.equal(calls[0]?.length, 2);
});

test('large batches are split into several _bulk requests, outcomes stay in input order', async () => {
  const { bulk, calls } = fakeBulk((id) =>
    id === 's4' ? { status: 400, error: { type: 'x' } } : { status: 201 },
  );
  const { sink } = setup(bulk, { maxDocs: 2, maxBytes: 1 << 20 });
  const outcomes = await sink([1, 2, 3, 4, 5].map((n) => record(n)));
  assert.equal(calls.length, 3);
  assert.deepEqual(
    outcomes.map((o) => o.kind),
    ['delivered', 'delivered', 'delivered', 'dead-letter', 'delivered'],
  );
});

test('ES answering fewer items than documents is an error, not a silent success', async () => {
  const { sink } = setup(async () => ({ items: [] }));
  await assert.rejects(sink([record(1)]), /0 items for 1 documents/);
});

test('a rejected document of a coarsened record is dead-lettered with a coarsened failure time', async () => {
  const hour = 3_600_000;
  const { bulk } = fakeBulk(() => ({
    status: 400,
    error: { type: 'mapper_parsing_exception', reason: 'r' },
  }));
  const { sink } = setup(bulk);
  const coarse = record(1);
  coarse.value.time_granularity_ms = hour;
  const [outcome, exact] = await sink([coarse, record(2)]);
  assert.equal(outcome?.kind, 'dead-letter');
  // now() is 08:00:02: the failure time is the hour, as the record's other times.
  assert.equal(outcome?.kind === 'dead-letter' ? outcome.failedAt : -1, Date.UTC(2026, 10, 22, 8));
  assert.equal(
    exact?.kind === 'dead-letter' ? exact.failedAt : -1,
    undefined,
    'exact records keep the clock',
  );
});
