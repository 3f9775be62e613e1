// Redrive's decisions and filters, without Kafka.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeadLetter, RedriveEntry } from '@lrstream/schemas';
import type { KafkaRecord } from '@lrstream/kafka';
import {
  decideRedrive,
  matchesFilter,
  parseTimeArgument,
  pointerMatches,
  REDRIVE_HEADERS,
  type DecideContext,
  type SourceLookup,
  type StoredDeadLetter,
} from '@lrstream/replay';

const letter = (over: Partial<DeadLetter> = {}): DeadLetter => ({
  event_id: 'e-1',
  stage: 'convert',
  error_code: 'RALPH_EVENT_UNSUPPORTED',
  error_message: 'Ralph has no xAPI conversion for this event_source and event_type.',
  error_pointer: '/event_type',
  source_topic: 'edx.valid.v1',
  source_partition: 3,
  source_offset: 41,
  payload: Buffer.from('{"line":1}'),
  failed_at: Date.parse('2026-12-04T10:00:00Z'),
  payload_sha256: null,
  payload_bytes: 10,
  payload_truncated: false,
  ...over,
});

const stored = (over: Partial<DeadLetter> = {}, offset = '7'): StoredDeadLetter => ({
  topic: 'dlq.identified.v1',
  partition: 0,
  offset,
  key: Buffer.from('e-1'),
  letter: letter(over),
});

const source = (headers: Record<string, string> = {}): SourceLookup => ({
  kind: 'found',
  record: {
    topic: 'edx.valid.v1',
    partition: 3,
    offset: '41',
    key: Buffer.from('actor-hash'),
    value: Buffer.from([0, 0, 0, 0, 9, 1, 2]),
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
    timestamp: '1',
  } satisfies KafkaRecord,
});

const context = (
  entries: Record<string, RedriveEntry> = {},
  sources: Record<string, string> = {},
): DecideContext => ({
  stage: 'convert',
  inputTopic: 'edx.valid.v1',
  maxAttempts: 3,
  redriveId: 'run-1',
  ledger: { entry: (k) => entries[k], redrivenSource: (k) => sources[k] },
  redrivenThisRun: new Map(),
});

const header = (d: ReturnType<typeof decideRedrive>, name: string) =>
  d.status === 'redriven' ? String(d.record.headers?.[name]) : undefined;

test('a first redrive re-injects the source record to its partition with provenance headers', () => {
  const d = decideRedrive(stored(), source({ traceparent: 't-1' }), context());
  assert.equal(d.status, 'redriven');
  if (d.status !== 'redriven') return;
  assert.equal(d.attempt, 1);
  assert.equal(d.from, 'source');
  assert.equal(d.record.partition, 3);
  assert.deepEqual(d.record.key, Buffer.from('actor-hash'));
  assert.deepEqual(d.record.value, Buffer.from([0, 0, 0, 0, 9, 1, 2]));
  assert.equal(header(d, 'traceparent'), 't-1', 'the original headers are kept');
  assert.equal(header(d, REDRIVE_HEADERS.id), 'run-1');
  assert.equal(header(d, REDRIVE_HEADERS.origin), 'dlq.identified.v1/0/7');
  assert.equal(header(d, REDRIVE_HEADERS.source), 'edx.valid.v1/3/41');
  assert.equal(header(d, REDRIVE_HEADERS.attempt), '1');
  assert.equal(header(d, REDRIVE_HEADERS.stage), 'convert');
});

test('a record that failed again carries its first source and the next attempt; past the limit it is parked', () => {
  const again = source({
    [REDRIVE_HEADERS.attempt]: '2',
    [REDRIVE_HEADERS.source]: 'edx.valid.v1/1/5',
    [REDRIVE_HEADERS.id]: 'older-run',
  });
  const d = decideRedrive(stored({ source_offset: 41 }), again, context());
  assert.equal(d.status, 'redriven');
  assert.equal(header(d, REDRIVE_HEADERS.attempt), '3');
  assert.equal(header(d, REDRIVE_HEADERS.source), 'edx.valid.v1/1/5');
  assert.equal(header(d, REDRIVE_HEADERS.id), 'run-1');

  const limit = decideRedrive(stored(), source({ [REDRIVE_HEADERS.attempt]: '3' }), context());
  assert.equal(limit.status, 'parked');
  if (limit.status === 'parked') assert.match(limit.reason, /after 3 redrive\(s\); the limit is 3/);
});

test('a dead letter in the ledger is skipped, whatever its status', () => {
  const entry = { status: 'unavailable' } as RedriveEntry;
  const d = decideRedrive(stored(), source(), context({ 'dlq.identified.v1/0/7': entry }));
  assert.deepEqual(d, { status: 'skipped', previous: 'unavailable' });
});

test('a source record is redriven once, however many dead letters it has', () => {
  const ctx = context();
  assert.equal(decideRedrive(stored({}, '7'), source(), ctx).status, 'redriven');
  const second = decideRedrive(stored({}, '9'), source(), ctx);
  assert.equal(second.status, 'duplicate');
  const earlier = decideRedrive(
    stored(),
    source(),
    context({}, { 'edx.valid.v1/3/41': 'dlq.identified.v1/0/2' }),
  );
  assert.equal(earlier.status, 'duplicate');
});

test('a missing source falls back to the payload only when it is a record of the input topic', () => {
  const usable: SourceLookup = { kind: 'missing', why: 'expired', payload: { usable: true } };
  const d = decideRedrive(stored(), usable, context());
  assert.equal(d.status, 'redriven');
  if (d.status === 'redriven') {
    assert.equal(d.from, 'payload');
    assert.deepEqual(d.record.key, Buffer.from('e-1'));
  }
  const truncated: SourceLookup = {
    kind: 'missing',
    why: 'expired',
    payload: {
      usable: false,
      reason: 'the dead letter holds only the first bytes of the record (payload_truncated)',
    },
  };
  const u = decideRedrive(stored(), truncated, context());
  assert.equal(u.status, 'unavailable');
  if (u.status === 'unavailable') assert.match(u.reason, /^the source record expired .*payload_truncated/);
});

test('a dead letter whose source is not the stage input is unavailable', () => {
  const d = decideRedrive(stored({ source_topic: 'events.raw.v1' }), source(), context());
  assert.equal(d.status, 'unavailable');
});

test('filters select exactly what they say', () => {
  const l = letter();
  assert.ok(matchesFilter(l, {}));
  assert.ok(matchesFilter(l, { stage: 'convert', codes: ['X', 'RALPH_EVENT_UNSUPPORTED'] }));
  assert.ok(!matchesFilter(l, { stage: 'validate' }));
  assert.ok(!matchesFilter(l, { codes: ['X'] }));
  assert.ok(matchesFilter(l, { since: l.failed_at, until: l.failed_at + 1 }));
  assert.ok(!matchesFilter(l, { since: l.failed_at + 1 }));
  assert.ok(!matchesFilter(l, { until: l.failed_at }));
  assert.ok(matchesFilter(l, { sourceTopic: 'edx.valid.v1' }));
  assert.ok(!matchesFilter(l, { sourceTopic: 'events.raw.v1' }));
  assert.ok(matchesFilter(l, { eventIds: new Set(['e-1']) }));
  assert.ok(!matchesFilter(l, { eventIds: new Set(['e-2']) }));
  assert.ok(pointerMatches('/event/id', '/event'));
  assert.ok(pointerMatches('/event', '/event'));
  assert.ok(!pointerMatches('/event_type', '/event'));
  assert.ok(!pointerMatches(null, '/event'));
});

test('time arguments: ISO, epoch ms, or a duration ago', () => {
  const now = Date.parse('2026-12-04T12:00:00Z');
  assert.equal(parseTimeArgument('2026-12-04T10:00:00Z', now), Date.parse('2026-12-04T10:00:00Z'));
  assert.equal(parseTimeArgument('1796392800000', now), 1796392800000);
  assert.equal(parseTimeArgument('2h', now), now - 7_200_000);
  assert.equal(parseTimeArgument('7d', now), now - 7 * 86_400_000);
  assert.throws(() => parseTimeArgument('yesterday', now), /not a time/);
});
