import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ralphParseNamespace, ralphUuid5, validateXapiStatement } from '@lrstream/domain';
import type { InputRecord, Outcome } from '@lrstream/kafka';
import type { EdxEvent } from '@lrstream/schemas';
import { createConverter, skipVerdict, type ConvertOptions } from '../src/process.js';

const base: ConvertOptions = {
  profile: 'openedx',
  platformUrl: 'https://lms.example.org',
  uuidNamespace: 'ee241f8b-174f-5bdb-a4a3-a7b5b2d2fd72',
  actorIds: {},
  courseNames: { 'course-v1:FUN+101+2026': 'Statistics 101' },
  unsupported: 'filter',
};

const playVideo = {
  username: 'learner1',
  event_source: 'browser',
  event_type: 'play_video',
  name: 'play_video',
  time: '2026-11-22T08:00:00.123456+00:00',
  ip: '203.0.113.9',
  agent: 'Mozilla/5.0',
  host: 'lms.example.org',
  referer: 'https://lms.example.org/courses/course-v1:FUN+101+2026/courseware',
  accept_language: 'fr',
  page: 'https://lms.example.org/courses/course-v1:FUN+101+2026/courseware',
  session: 'a4c5e6f7b8c9d0e1f2a3b4c5d6e7f8a9',
  context: { user_id: 7, org_id: 'FUN', course_id: 'course-v1:FUN+101+2026', path: '/event' },
  event: { id: 'block-v1:FUN+101+2026+type@video+block@abc', code: 'html5', currentTime: 12.5 },
};

function record(event: object, rawLine?: string): InputRecord<EdxEvent> {
  const json = JSON.stringify(event);
  return {
    topic: 'edx.valid.v1',
    partition: 0,
    offset: '3',
    key: null,
    timestamp: 0,
    value: {
      event_id: '0b7c4a2e-5d1f-4e8a-9c3b-2f6d8e1a4b5c',
      received_at: 1_700_000_000_000,
      origin: { topic: 'events.raw.v1', partition: 1, offset: 9 },
      event_type: String((event as { event_type?: string }).event_type),
      event_source: 'browser',
      time: null,
      course_id: 'course-v1:FUN+101+2026',
      model: null,
      validation: 'valid',
      event_json: json,
      raw_line: rawLine ?? `${json}\n`,
    },
  };
}

function statementsOf(outcome: Outcome): Record<string, unknown>[] {
  assert.equal(outcome.kind, 'emit', JSON.stringify(outcome));
  if (outcome.kind !== 'emit') return [];
  return outcome.outputs.map(
    (o) => JSON.parse((o.value as { statement_json: string }).statement_json) as Record<string, unknown>,
  );
}

test('openedx profile: a video play becomes a valid "played" statement', () => {
  const [statement] = statementsOf(createConverter(base)(record(playVideo)));
  assert.ok(statement);
  assert.equal((statement.verb as { id: string }).id, 'https://w3id.org/xapi/video/verbs/played');
  assert.deepEqual(validateXapiStatement(statement), []);
});

test('ralph profile: the statement id is uuid5(namespace, raw line)', () => {
  const line = `${JSON.stringify(playVideo)}\n`;
  const [statement] = statementsOf(createConverter({ ...base, profile: 'ralph' })(record(playVideo, line)));
  assert.ok(statement);
  assert.equal(statement.id, ralphUuid5(ralphParseNamespace(base.uuidNamespace)!, line));
  assert.deepEqual(validateXapiStatement(statement), []);
});

test('events without a converter are filtered (counted) or dead-lettered, as configured', () => {
  const custom = { ...playVideo, event_type: 'lrstream.custom', name: 'lrstream.custom' };
  const filtered = createConverter(base)(record(custom));
  assert.deepEqual(filtered, { kind: 'filtered', rule: 'no-converter:openedx' });
  const refused = createConverter({ ...base, unsupported: 'dead-letter' })(record(custom));
  assert.equal(refused.kind, 'dead-letter');
});

test('actor ids come from the injected mapping when given', () => {
  const [statement] = statementsOf(
    createConverter({ ...base, actorIds: { '7': 'ext-42' } })(record(playVideo)),
  );
  assert.equal((statement?.actor as { account: { name: string } }).account.name, 'ext-42');
});

test('a converter that broke is dead-lettered; a mapping that refuses an event is a named filter', () => {
  const warning = { code: 'OPENEDX_WARN', message: 'w', pointer: '' };
  assert.deepEqual(skipVerdict([warning, { code: 'OPENEDX_INTERNAL', message: 'TypeError', pointer: '' }]), {
    kind: 'dead-letter',
    issue: { code: 'OPENEDX_INTERNAL', message: 'TypeError', pointer: '' },
  });
  assert.deepEqual(skipVerdict([warning, { code: 'OPENEDX_MISSING_FIELD', message: 'm', pointer: '/x' }]), {
    kind: 'filtered',
    rule: 'skipped:OPENEDX_MISSING_FIELD',
  });
});

test('issue leak 12: an event without user_id gets the user id learnt from the same username', () => {
  const convert = createConverter(base);
  const actorOf = (event: object) =>
    JSON.stringify((statementsOf(convert(record(event)))[0] as { actor: unknown }).actor);
  const withId = actorOf(playVideo);
  const withoutId = actorOf({ ...playVideo, context: { ...playVideo.context, user_id: null } });
  assert.equal(withoutId, withId, 'one account for one learner');
  assert.ok(!withoutId.includes('learner1'));
});
