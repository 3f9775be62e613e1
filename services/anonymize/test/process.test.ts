import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { XapiAnonymized, XapiStatement } from '@lrstream/schemas';
import { anonymizedEventId, anonymizedStatementId, parseAccountLinks } from '@lrstream/domain';
import { anonymizeRecord } from '../src/process.js';
import { loadPolicy } from '../src/policy.js';

const key = { id: 'k7', secret: Buffer.from('0123456789abcdef-secret') };
const pseudonymize = loadPolicy({ policy: 'pseudonymize', policyFile: '' });
const anonymize = loadPolicy({ policy: 'anonymize', policyFile: '' });
const statement = {
  id: '2f0c8b9e-4a7d-4b1e-9c3f-6d5e4a3b2c1d',
  actor: {
    objectType: 'Agent',
    name: 'Ada Lovelace',
    account: { homePage: 'https://lms.example.org', name: 'ada' },
  },
  verb: { id: 'https://w3id.org/xapi/video/verbs/played' },
  object: { objectType: 'Activity', id: 'https://lms.example.org/video/1?user=ada' },
  timestamp: '2026-11-02T08:17:23.457Z',
};
const value: XapiStatement = {
  statement_id: statement.id,
  event_id: 'e1',
  received_at: Date.parse('2026-11-02T08:17:25.000Z'),
  origin: { topic: 'events.raw.v1', partition: 0, offset: 1 },
  source_format: 'xapi',
  conversion_profile: null,
  timestamp: Date.parse(statement.timestamp),
  verb_id: statement.verb.id,
  object_type: 'Activity',
  object_id: statement.object.id,
  course_id: 'course-v1:FUN+X+1',
  statement_json: JSON.stringify(statement),
};
const input = (v: XapiStatement) => ({
  topic: 'xapi.identified.v1',
  partition: 0,
  offset: '0',
  key: null,
  timestamp: 0,
  value: v,
});

function emitted(result: ReturnType<typeof anonymizeRecord>) {
  assert.equal(result.outcome.kind, 'emit');
  if (result.outcome.kind !== 'emit') throw new Error('unreachable');
  const [out] = result.outcome.outputs;
  assert.ok(out);
  return { key: out.key, topic: out.topic, value: out.value as XapiAnonymized };
}

test('pseudonymize: key = pseudonym, policy and key id recorded, no identifier anywhere', () => {
  const out = emitted(anonymizeRecord(input(value), { policy: pseudonymize, key }));
  assert.equal(out.topic, 'xapiAnonymized');
  assert.match(out.key, /^[0-9a-f]{32}$/);
  assert.equal(out.key, out.value.actor_pseudonym);
  assert.equal(out.value.key_id, 'k7');
  assert.equal(out.value.policy, 'pseudonymize@3');
  // From the treated statement: a path outside the allowed shapes is a keyed hash.
  assert.match(out.value.object_id ?? '', /^https:\/\/lms\.example\.org\/~[0-9a-f]{24}$/);
  assert.equal(out.value.timestamp, value.timestamp);
  const text = JSON.stringify(out);
  assert.ok(!/(?<![0-9a-f])ada(?![0-9a-f])|lovelace/i.test(text), text);
});

test('anonymize: no stable identifier, message key = statement id, times coarsened', () => {
  const out = emitted(anonymizeRecord(input(value), { policy: anonymize, key }));
  assert.equal(out.value.actor_pseudonym, null);
  assert.equal(out.key, out.value.statement_id);
  assert.equal(out.value.policy, 'anonymize@2');
  assert.equal(out.value.timestamp, Date.parse('2026-11-02T08:00:00Z'));
  assert.equal(out.value.received_at, Date.parse('2026-11-02T08:00:00Z'));
  assert.ok(!/(?<![0-9a-f])ada(?![0-9a-f])|lovelace/i.test(JSON.stringify(out)));
});

test('a statement that is not a JSON object is dead-lettered in the identified zone', () => {
  for (const json of ['{', '[1]', 'null']) {
    const result = anonymizeRecord(input({ ...value, statement_json: json }), { policy: pseudonymize, key });
    assert.equal(result.outcome.kind, 'dead-letter');
  }
});

test('the report counts what was dropped', () => {
  const odd = { ...statement, context: { extensions: { 'https://example.org/ext/ip': '198.51.100.4' } } };
  const result = anonymizeRecord(input({ ...value, statement_json: JSON.stringify(odd) }), {
    policy: pseudonymize,
    key,
  });
  assert.deepEqual(result.report?.dropped, { agent_name: 1, unknown_extension: 1 });
});

test('issue leak 9: statement id, event id and origin are keyed, never the original', () => {
  for (const policy of [pseudonymize, anonymize]) {
    const out = emitted(anonymizeRecord(input(value), { policy, key }));
    assert.equal(out.value.statement_id, anonymizedStatementId(value.statement_id, key, policy.name));
    assert.notEqual(out.value.statement_id, value.statement_id);
    assert.equal(JSON.parse(out.value.statement_json).id, out.value.statement_id);
    assert.notEqual(out.value.event_id, value.event_id);
    assert.equal(out.value.event_id, anonymizedEventId(value.event_id, key, policy.name));
    assert.notDeepEqual(out.value.origin, value.origin);
    assert.equal(out.value.origin.partition, -1);
    assert.notEqual(out.key, value.statement_id);
  }
  const [p, a] = [pseudonymize, anonymize].map((policy) =>
    emitted(anonymizeRecord(input(value), { policy, key })),
  );
  assert.notEqual(p?.value.event_id, a?.value.event_id, 'the presets’ copies do not join');
});

test('issue leak 1 and 8: the record fields are the treated statement’s', () => {
  const iri = 'https://moodle.example.org/course/view.php?id=7&user=claire%40example.org';
  const s = { ...statement, verb: { id: 'http://adlnet.gov/expapi/verbs/experienced?user=ada' } };
  const v = { ...value, course_id: iri, verb_id: s.verb.id, statement_json: JSON.stringify(s) };
  for (const policy of [pseudonymize, anonymize]) {
    const out = emitted(anonymizeRecord(input(v), { policy, key }));
    assert.ok(!/claire|user=|\?/.test(out.value.course_id ?? ''), out.value.course_id ?? '');
    assert.equal(out.value.verb_id, 'http://adlnet.gov/expapi/verbs/experienced');
  }
});

test('issue leaks 11/12: with account links, an LTI account by username is the LMS user', () => {
  const links = parseAccountLinks(JSON.stringify({ 'https://lms.example.org': { ada: '36' } }), 'links');
  const lti = { ...value, statement_json: JSON.stringify(statement) };
  const lms = {
    ...value,
    statement_json: JSON.stringify({
      ...statement,
      actor: { objectType: 'Agent', account: { homePage: 'https://lms.example.org/', name: '36' } },
    }),
  };
  const [a, b] = [lti, lms].map((v) =>
    emitted(anonymizeRecord(input(v), { policy: pseudonymize, key, links })),
  );
  assert.equal(a?.value.actor_pseudonym, b?.value.actor_pseudonym);
});
