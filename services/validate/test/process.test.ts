import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InputRecord, Outcome } from '@lrstream/kafka';
import type { RawEvent } from '@lrstream/schemas';
import { validateRecord } from '../src/process.js';

const options = { edxMode: 'lenient', unknownEdx: 'pass' } as const;

function raw(
  format: 'edx' | 'xapi',
  payload: string,
  eventId = '11111111-2222-4333-8444-555555555555',
): InputRecord<RawEvent> {
  return {
    topic: 'events.raw.v1',
    partition: 2,
    offset: '41',
    key: null,
    timestamp: 0,
    value: {
      event_id: eventId,
      received_at: Date.UTC(2026, 10, 22, 8),
      format,
      channel: 'http',
      producer: 'test',
      payload: Buffer.from(payload),
      line_number: null,
      xapi_version: '1.0.3',
    },
  };
}

const statement = {
  id: '2f0c8b9e-4a7d-4b1e-9c3f-6d5e4a3b2c1d',
  actor: { objectType: 'Agent', account: { homePage: 'https://lms.example.org', name: 'learner-1' } },
  verb: { id: 'https://w3id.org/xapi/video/verbs/played' },
  object: {
    objectType: 'Activity',
    id: 'https://lms.example.org/video/1',
    definition: { type: 'https://w3id.org/xapi/video/activity-type/video' },
  },
  timestamp: '2026-11-22T08:00:00.000Z',
  context: {
    contextActivities: {
      parent: [
        {
          id: 'https://lms.example.org/course/c1',
          definition: { type: 'http://adlnet.gov/expapi/activities/course' },
        },
      ],
    },
  },
};

function emitted(outcome: Outcome) {
  assert.equal(outcome.kind, 'emit', JSON.stringify(outcome));
  if (outcome.kind !== 'emit') throw new Error('unreachable');
  assert.equal(outcome.outputs.length, 1);
  return outcome.outputs[0]!;
}

test('a valid xAPI statement goes to the identified topic with its lifted fields', () => {
  const out = emitted(validateRecord(raw('xapi', JSON.stringify(statement)), options));
  assert.equal(out.topic, 'xapiIdentified');
  const value = out.value as Record<string, unknown>;
  assert.equal(value.statement_id, statement.id);
  assert.equal(value.verb_id, statement.verb.id);
  assert.equal(value.object_id, statement.object.id);
  assert.equal(
    value.course_id,
    'https://lms.example.org/course/c1',
    'not an Open edX course: the IRI itself',
  );
  assert.equal(value.timestamp, Date.parse(statement.timestamp));
  assert.deepEqual(value.origin, { topic: 'events.raw.v1', partition: 2, offset: 41 });
  assert.match(out.key, /^[0-9a-f]{32}$/, 'keyed by a hash of the actor, not the raw name');
  assert.ok(!out.key.includes('learner-1'));
});

test('a statement without id gets one derived from its event id (replays keep it)', () => {
  const { id: _id, ...withoutId } = statement;
  const a = emitted(validateRecord(raw('xapi', JSON.stringify(withoutId)), options)).value as {
    statement_id: string;
  };
  const b = emitted(validateRecord(raw('xapi', JSON.stringify(withoutId)), options)).value as {
    statement_id: string;
  };
  const c = emitted(
    validateRecord(raw('xapi', JSON.stringify(withoutId), '99999999-2222-4333-8444-555555555555'), options),
  ).value as { statement_id: string };
  assert.match(a.statement_id, /^[0-9a-f-]{36}$/);
  assert.equal(a.statement_id, b.statement_id);
  assert.notEqual(a.statement_id, c.statement_id);
});

test('an invalid statement is dead-lettered with code, pointer and the original bytes', () => {
  const bad = {
    ...statement,
    actor: { objectType: 'Agent', mbox: 'mailto:a@example.org', openid: 'https://id.example.org/a' },
  };
  const input = raw('xapi', JSON.stringify(bad));
  const outcome = validateRecord(input, options);
  assert.equal(outcome.kind, 'dead-letter');
  if (outcome.kind !== 'dead-letter') return;
  assert.match(outcome.pointer ?? '', /^\/actor/);
  assert.ok(outcome.code.length > 0);
  assert.deepEqual(outcome.payload, input.value.payload);
  assert.equal(outcome.eventId, input.value.event_id);
});

test('JSON that does not parse is dead-lettered, not thrown', () => {
  const outcome = validateRecord(raw('xapi', '{"id": '), options);
  assert.equal(outcome.kind, 'dead-letter');
  if (outcome.kind === 'dead-letter') assert.equal(outcome.code, 'XAPI_JSON_PARSE');
  const edx = validateRecord(raw('edx', 'not json at all'), options);
  assert.equal(edx.kind, 'dead-letter');
});

const playVideo = {
  username: 'learner1',
  event_source: 'browser',
  event_type: 'play_video',
  name: 'play_video',
  time: '2026-11-22T08:00:00.123456+00:00',
  ip: '2001:db8::1',
  agent: 'Mozilla/5.0',
  host: 'lms.example.org',
  referer: 'https://lms.example.org/courses/course-v1:FUN+101+2026/courseware',
  accept_language: 'fr',
  page: 'https://lms.example.org/courses/course-v1:FUN+101+2026/courseware',
  session: 'a4c5e6f7b8c9d0e1f2a3b4c5d6e7f8a9',
  context: { user_id: 7, org_id: 'FUN', course_id: 'course-v1:FUN+101+2026', path: '/event' },
  event: JSON.stringify({
    id: 'block-v1:FUN+101+2026+type@video+block@abc',
    code: 'html5',
    currentTime: 12.5,
  }),
};

test('an edX line (syslog-prefixed) becomes a validated edX event carrying the exact line', () => {
  const line = `2026-11-22T08:00:00+00:00 lms tracking: ${JSON.stringify(playVideo)}`;
  const out = emitted(validateRecord(raw('edx', line), options));
  assert.equal(out.topic, 'edxValid');
  const value = out.value as Record<string, unknown>;
  assert.equal(value.event_type, 'play_video');
  assert.equal(value.course_id, 'course-v1:FUN+101+2026');
  assert.equal(value.raw_line, `${line}\n`);
  assert.deepEqual(JSON.parse(String(value.event_json)), playVideo, 'the object as parsed, prefix removed');
  assert.ok(['valid', 'unknown'].includes(String(value.validation)));
});

test('an edX type without a model passes by default and is dead-lettered on request', () => {
  const unknown = { ...playVideo, event_type: 'lrstream.custom.event', name: 'lrstream.custom.event' };
  const passed = emitted(validateRecord(raw('edx', JSON.stringify(unknown)), options));
  assert.equal((passed.value as { validation: string }).validation, 'unknown');
  const refused = validateRecord(raw('edx', JSON.stringify(unknown)), {
    ...options,
    unknownEdx: 'dead-letter',
  });
  assert.equal(refused.kind, 'dead-letter');
});

test('an Open edX course IRI is reduced to its course key', () => {
  const withEdxCourse = {
    ...statement,
    context: {
      contextActivities: {
        parent: [
          {
            id: 'https://lms.example.org/courses/course-v1:FUN+STAT101+2026_T1/about',
            definition: { type: 'http://adlnet.gov/expapi/activities/course' },
          },
        ],
      },
    },
  };
  const out = emitted(validateRecord(raw('xapi', JSON.stringify(withEdxCourse)), options));
  assert.equal((out.value as { course_id: string }).course_id, 'course-v1:FUN+STAT101+2026_T1');
});

test('issue leak 10: the dead-letter pointer names no input key (an e-mail as a key)', () => {
  const bad = {
    ...statement,
    result: { extensions: { 'claire.martin@example.org': 'Claire Martin' } },
  };
  const outcome = validateRecord(raw('xapi', JSON.stringify(bad)), options);
  assert.equal(outcome.kind, 'dead-letter');
  if (outcome.kind !== 'dead-letter') return;
  assert.ok(!/claire|martin/i.test(outcome.pointer ?? ''), outcome.pointer ?? '');
  assert.match(outcome.pointer ?? '', /^\/result\/extensions\/#0/);
});
