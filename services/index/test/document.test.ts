import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { XapiAnonymized, XapiStatement } from '@lrstream/schemas';
import { buildAnonymizedDocument, buildIdentifiedDocument, indexName } from '../src/document.js';

const statement = {
  id: '2f0c8b9e-4a7d-4b1e-9c3f-6d5e4a3b2c1d',
  actor: { objectType: 'Agent', account: { homePage: 'https://lms.example.org', name: 'p-7f3a' } },
  verb: { id: 'https://w3id.org/xapi/video/verbs/played' },
  object: { objectType: 'Activity', id: 'https://lms.example.org/video/1' },
  result: { extensions: { 'https://w3id.org/xapi/video/extensions/time': 12.5 } },
  timestamp: '2026-11-22T08:00:00.000Z',
};

function anonymized(overrides: Partial<XapiAnonymized> = {}): XapiAnonymized {
  return {
    statement_id: statement.id,
    event_id: '11111111-2222-4333-8444-555555555555',
    received_at: Date.UTC(2026, 11, 1, 9, 30),
    origin: { topic: 'events.raw.v1', partition: 0, offset: 7 },
    source_format: 'xapi',
    time_granularity_ms: null,
    timestamp: Date.parse(statement.timestamp),
    verb_id: statement.verb.id,
    object_type: 'Activity',
    object_id: statement.object.id,
    course_id: 'course-v1:Org+C1+2026',
    actor_pseudonym: 'p-7f3a',
    policy: 'pseudonymize@1',
    key_id: 'k1',
    statement_json: JSON.stringify(statement),
    ...overrides,
  };
}

const indexedAt = Date.UTC(2026, 11, 1, 9, 30, 5);

test('indexName: monthly and daily names in UTC, zero-padded', () => {
  assert.equal(indexName('lrstream-xapi', Date.UTC(2026, 0, 5), 'month'), 'lrstream-xapi-2026.01');
  assert.equal(indexName('p', Date.UTC(2026, 8, 9, 23, 59), 'day'), 'p-2026.09.09');
  // 2025-12-31T23:30-01:00 is already January in UTC.
  assert.equal(indexName('p', Date.parse('2025-12-31T23:30:00-01:00'), 'month'), 'p-2026.01');
});

test('anonymized document: statement at top level, envelope under lrstream, id = statement id', () => {
  const result = buildAnonymizedDocument(anonymized(), 'lrstream-xapi', indexedAt);
  assert.ok(result.ok);
  const { doc } = result;
  assert.equal(doc.id, statement.id);
  // Statement time is November although it was received in December: the month of the event.
  assert.equal(doc.index, 'lrstream-xapi-2026.11');
  assert.deepEqual(doc.source.verb, statement.verb);
  assert.deepEqual(doc.source.result, statement.result);
  assert.equal(doc.source.timestamp, statement.timestamp);
  assert.deepEqual(doc.source.lrstream, {
    event_id: '11111111-2222-4333-8444-555555555555',
    received_at: '2026-12-01T09:30:00.000Z',
    indexed_at: '2026-12-01T09:30:05.000Z',
    policy: 'pseudonymize@1',
    key_id: 'k1',
    actor_pseudonym: 'p-7f3a',
    source_format: 'xapi',
    course_id: 'course-v1:Org+C1+2026',
  });
  // stored is what an LRS sets: the receipt time when the statement has none.
  assert.equal(doc.source.stored, '2026-12-01T09:30:00.000Z');
});

test('anonymized document: no statement time -> received_at decides the month and fills timestamp', () => {
  const { timestamp: _t, ...untimed } = statement;
  const result = buildAnonymizedDocument(
    anonymized({ timestamp: null, statement_json: JSON.stringify(untimed) }),
    'x',
    indexedAt,
  );
  assert.ok(result.ok);
  assert.equal(result.doc.index, 'x-2026.12');
  assert.equal(result.doc.source.timestamp, '2026-12-01T09:30:00.000Z');
});

test('anonymized document: same input, same id and body (a replay overwrites identically)', () => {
  const a = buildAnonymizedDocument(anonymized(), 'x', indexedAt);
  const b = buildAnonymizedDocument(anonymized(), 'x', indexedAt);
  assert.deepEqual(a, b);
});

test('anonymized document: statement_json that is not a JSON object is refused with a code', () => {
  const notJson = buildAnonymizedDocument(anonymized({ statement_json: '{"id":' }), 'x', indexedAt);
  assert.deepEqual(notJson.ok ? null : notJson.code, 'INDEX_STATEMENT_NOT_JSON');
  const array = buildAnonymizedDocument(anonymized({ statement_json: '[1]' }), 'x', indexedAt);
  assert.deepEqual(array.ok ? null : array.code, 'INDEX_STATEMENT_NOT_OBJECT');
  const nul = buildAnonymizedDocument(anonymized({ statement_json: 'null' }), 'x', indexedAt);
  assert.deepEqual(nul.ok ? null : nul.code, 'INDEX_STATEMENT_NOT_OBJECT');
});

test('identified document: daily index by receipt time (retention counts from arrival)', () => {
  const record: XapiStatement = {
    statement_id: statement.id,
    event_id: 'e1',
    received_at: Date.UTC(2026, 11, 3, 23, 59),
    origin: { topic: 'events.raw.v1', partition: 0, offset: 1 },
    source_format: 'edx',
    conversion_profile: 'openedx',
    timestamp: Date.parse(statement.timestamp),
    verb_id: statement.verb.id,
    object_type: 'Activity',
    object_id: statement.object.id,
    course_id: null,
    statement_json: JSON.stringify(statement),
  };
  const result = buildIdentifiedDocument(record, 'lrstream-identified', indexedAt);
  assert.ok(result.ok);
  assert.equal(result.doc.index, 'lrstream-identified-2026.12.03');
  assert.equal(result.doc.id, statement.id);
  assert.equal((result.doc.source.lrstream as { conversion_profile: string }).conversion_profile, 'openedx');
});
