// One test per leak of the downstream audit (issue "Zero-leak, for real"): each builds the
// failure shape, applies both presets and checks that the seeded value is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PSEUDONYM_HOMEPAGE,
  agentIfi,
  anonymizedStatementId,
  applyPrivacyPolicy,
  parseAccountLinks,
  pseudonymOf,
  type PseudonymKey,
} from '../../src/privacy/index.js';
import { convertOpenedx } from '../../src/convert/openedx/index.js';
import { preset } from './presets.js';

const key: PseudonymKey = { id: 'k1', secret: Buffer.from('a test secret of reasonable length') };
const presets = [preset('pseudonymize'), preset('anonymize')];
const LMS = 'https://lms.example.org';
const COURSE = 'course-v1:FUN+X+2026';

type Json = Record<string, unknown>;
const base = (patch: Json = {}): Json => ({
  id: '2f0c8b9e-4a7d-4b1e-9c3f-6d5e4a3b2c1d',
  actor: { objectType: 'Agent', account: { homePage: LMS, name: '4242' } },
  verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
  object: { objectType: 'Activity', id: `${LMS}/course/${COURSE}` },
  timestamp: '2026-03-01T10:00:00.000Z',
  ...patch,
});
const activity = (id: string, extra: Json = {}) => ({ object: { objectType: 'Activity', id, ...extra } });

function run(statement: Json, courseId: string | null = null) {
  return presets.map((policy) => {
    const result = applyPrivacyPolicy(structuredClone(statement), policy, { key, courseId });
    return { policy: policy.name, result, text: JSON.stringify(result) };
  });
}

function assertGone(statement: Json, seeded: string[], courseId: string | null = null) {
  for (const { policy, text } of run(statement, courseId)) {
    for (const value of seeded)
      assert.ok(!text.toLowerCase().includes(value.toLowerCase()), `${policy}: "${value}" survives`);
  }
}

test('1. a course IRI that is not a course key is cleaned where the course appears', () => {
  const email = 'claire.martin@example.org';
  const iri = `https://moodle.example.org/course/view.php?id=7&user=${email}`;
  const statement = base({
    context: {
      contextActivities: {
        parent: [{ id: iri, definition: { type: 'http://adlnet.gov/expapi/activities/course' } }],
      },
    },
  });
  for (const { policy, result } of run(statement, iri)) {
    assert.ok(result.courseId, `${policy}: a course id is published`);
    assert.ok(!result.courseId.includes('user='), `${policy}: course_id ${result.courseId}`);
    assert.ok(!result.courseId.includes('?'), `${policy}: course_id ${result.courseId}`);
    const parent = (result.statement.context as Json).contextActivities as { parent: Json[] };
    assert.equal(parent.parent[0]?.id, result.courseId, `${policy}: one clean form everywhere`);
  }
  assertGone(statement, [email, 'claire'], iri);
  // Course keys are kept as they are.
  for (const { result } of run(base(), COURSE)) assert.equal(result.courseId, COURSE);
});

test('2. usernames in edX API paths and link targets leave no trace in object.id', () => {
  const u = 'jdoe_1987';
  const paths = [
    `${LMS}/api/user/v1/preferences/${u}`,
    `${LMS}/api/certificates/v0/certificates/${u}/courses/${COURSE}/`,
    `${LMS}/api/completion/v1/subsection-completion/${u}/${COURSE}/block-v1:FUN+X+2026+type@sequential+block@abc/`,
    `${LMS}/api/enrollment/v1/enrollment/${u},${COURSE}`,
    `${LMS}/api/team/v0/team_membership/team-blue,${u}`,
    `${LMS}/api/bookmarks/v1/bookmarks/${u},block-v1:FUN+X+2026+type@video+block@v1/`,
    `${LMS}/api/profile_images/v1/${u}/upload`,
    `https://github.com/${u}`,
    `https://www.linkedin.com/in/${u}`,
  ];
  for (const id of paths) assertGone(base(activity(id)), [u, 'jdoe', 'team-blue']);
});

test('2. the allow-listed Open edX, Marsha and Ashley routes are kept', () => {
  const kept = [
    `${LMS}/course/${COURSE}`,
    `${LMS}/xblock/block-v1:FUN+X+2026+type@video+block@0123abcd`,
    `${LMS}/courses/${COURSE}/courseware/3f2a9c1e7b6d4e0f8a1b2c3d4e5f6a7b/0a1b2c3d4e5f60718293a4b5c6d7e8f9/2`,
    `${LMS}/courses/${COURSE}/jump_to/block-v1:FUN+X+2026+type@problem+block@q1`,
    'https://marsha.example.org/videos/9b2e5c1a-0d0e-4f1e-8a2b-3c4d5e6f7a8b',
    'https://ashley.example.org/lti/forum/9b2e5c1a-0d0e-4f1e-8a2b-3c4d5e6f7a8b',
  ];
  for (const id of kept)
    for (const { policy, result } of run(base(activity(id))))
      assert.equal((result.statement.object as Json).id, id.replace(/\/$/, ''), policy);
});

test('2. a readable courseware slug (it can be a username) is hashed; the course is kept', () => {
  const u = 'zoe_mlf_42';
  for (const { policy, result } of run(base(activity(`${LMS}/courses/${COURSE}/courseware/${u}/intro/`)))) {
    const id = String((result.statement.object as Json).id);
    assert.ok(!id.includes(u) && !id.includes('intro'), `${policy}: ${id}`);
    assert.ok(id.startsWith(`${LMS}/courses/${COURSE}/~`), `${policy}: ${id}`);
  }
});

test('3. secrets and other people’s ids in paths are removed', () => {
  const token = 'MTI-5hk3-0c2e8d1f9a7b6c5d4e3f';
  const activation = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const verify = '3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f';
  const other = '7654321';
  for (const id of [
    `${LMS}/password_reset_confirm/${token}/`,
    `${LMS}/activate/${activation}`,
    `${LMS}/certificates/${verify}`,
    `${LMS}/courses/${COURSE}/progress/${other}/`,
  ])
    assertGone(base(activity(id)), [token, activation, verify, other]);
});

test('4. encoded e-mails and padded or encoded IP addresses are recognised', () => {
  const statement = base({
    object: {
      objectType: 'Activity',
      id: `${LMS}/accounts/search/first.last%40example.org`,
      definition: {
        type: 'http://adlnet.gov/expapi/activities/link',
        moreInfo: 'mailto:first.last%40example.org',
      },
    },
    result: {
      extensions: {
        'https://w3id.org/xapi/video/extensions/quality': 'from 203.000.113.018',
        'https://w3id.org/xapi/video/extensions/screen-size': 'via 2001%3Adb8%3A%3A1f',
        'https://w3id.org/xapi/video/extensions/track': 'first.last%40example.org',
      },
    },
  });
  assertGone(statement, ['first.last', '203.000.113.018', '2001%3Adb8', '2001:db8']);
});

test('5. responses are kept only when every part is a declared choice id', () => {
  const phone = '+33 6 12 34 56 78';
  const cases: [string, Json, unknown][] = [
    ['numeric', {}, phone],
    ['numeric', {}, '20231234'],
    ['choice', { choices: [{ id: 'a' }, { id: 'other' }] }, 'other: my phone is 0612345678'],
    ['matching', { source: [{ id: 's1' }], target: [{ id: 't1' }] }, 's1[.]Claire Martin'],
    ['choicetextresponse', {}, 'Claire Martin'],
    ['optionresponse', {}, 'Claire Martin'],
    ['numericalresponse', {}, phone],
  ];
  for (const [interactionType, extra, response] of cases) {
    const statement = base({
      object: {
        objectType: 'Activity',
        id: `${LMS}/xblock/block-v1:FUN+X+2026+type@problem+block@q`,
        definition: { interactionType, ...extra },
      },
      result: { response, success: true },
    });
    for (const { policy, result } of run(statement))
      assert.equal((result.statement.result as Json).response, undefined, `${policy}: ${interactionType}`);
  }
  const closed = base({
    object: {
      objectType: 'Activity',
      id: `${LMS}/xblock/block-v1:FUN+X+2026+type@problem+block@q`,
      definition: { interactionType: 'choice', choices: [{ id: 'a' }, { id: 'b' }] },
    },
    result: { response: 'a[,]b' },
  });
  for (const { policy, result } of run(closed))
    assert.equal((result.statement.result as Json).response, 'a[,]b', policy);
});

test('6. activity names and descriptions are dropped whatever the type (Ashley messages)', () => {
  const statement = base({
    object: {
      objectType: 'Activity',
      id: 'https://ashley.example.org/lti/forum/9b2e5c1a-0d0e-4f1e-8a2b-3c4d5e6f7a8b',
      definition: {
        type: 'https://w3id.org/xapi/acrossx/activities/message',
        name: { en: 'Ask Paul Lefebvre, 0612345678, 12 rue des Lilas' },
        description: { en: 'Paul Lefebvre' },
      },
    },
  });
  assertGone(statement, ['Lefebvre', '0612345678', 'Lilas']);
});

test('7. derived forms of the learner’s own identifiers are found', () => {
  const statement = base({
    actor: {
      objectType: 'Agent',
      name: 'José García-Márquez',
      account: { homePage: 'https://marsha.example.org', name: 'jgarcia' },
    },
    result: {
      extensions: {
        'https://w3id.org/xapi/video/extensions/quality': 'jgarcia_intro.mp4',
        'https://w3id.org/xapi/video/extensions/track': 'jgarcia_bis',
        'https://w3id.org/xapi/video/extensions/screen-size': 'Jose\u0301 Ma\u0301rquez',
      },
    },
  });
  assertGone(statement, ['jgarcia', 'Márquez', 'Ma\u0301rquez', 'José', 'Jose\u0301']);
});

test('8. verb and type IRIs, private-use language tags, attempt codes and offsets are treated', () => {
  const attempt = '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';
  const statement = base({
    verb: { id: 'http://adlnet.gov/expapi/verbs/experienced?user=jdoe' },
    object: {
      objectType: 'Activity',
      id: `${LMS}/course/${COURSE}`,
      definition: { type: 'https://example.org/types/jdoe/page' },
    },
    context: {
      language: 'fr-x-jdoe',
      contextActivities: { grouping: [{ id: `urn:uuid:${attempt}` }] },
    },
    timestamp: '2026-03-01T10:00:00+05:45',
  });
  assertGone(statement, ['jdoe', attempt, '+05:45']);
  for (const { policy, result } of run(statement)) {
    assert.equal((result.statement.context as Json).language, 'fr', policy);
    assert.equal((result.statement.verb as Json).id, 'http://adlnet.gov/expapi/verbs/experienced', policy);
  }
  for (const { result } of run(base({ timestamp: '2026-03-01T10:00:00+05:45' })).slice(0, 1))
    assert.equal(result.statement.timestamp, '2026-03-01T04:15:00.000Z');
});

test('9. statement ids are keyed per policy; references follow; the roster attack fails', () => {
  const original = '2f0c8b9e-4a7d-4b1e-9c3f-6d5e4a3b2c1d';
  const referenced = '11111111-2222-4333-8444-555555555555';
  const statement = base({
    object: { objectType: 'StatementRef', id: referenced },
    context: { statement: { objectType: 'StatementRef', id: referenced } },
  });
  const [pseudo, anon] = run(statement).map((r) => r.result.statement);
  assert.ok(pseudo && anon);
  assert.notEqual(pseudo.id, original);
  assert.equal(pseudo.id, anonymizedStatementId(original, key, 'pseudonymize'));
  assert.equal(anon.id, anonymizedStatementId(original, key, 'anonymize'));
  assert.notEqual(pseudo.id, anon.id, 'the two presets’ copies do not share ids');
  assert.equal((pseudo.object as Json).id, anonymizedStatementId(referenced, key, 'pseudonymize'));
  assert.equal(((pseudo.context as Json).statement as Json).id, (pseudo.object as Json).id);
  assert.match(String(pseudo.id), /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  // Roster attack: whoever can compute original ids (uuid5 of user id and time) cannot compute
  // the published ones without the key.
  const guess: PseudonymKey = { id: 'k1', secret: Buffer.from('not the key, but a good guess') };
  assert.notEqual(anonymizedStatementId(original, guess, 'pseudonymize'), pseudo.id);
});

test('12. a trailing slash or upper-case host in homePage does not split a person', () => {
  const a = agentIfi({ account: { homePage: 'https://LMS.example.org/', name: '4242' } });
  const b = agentIfi({ account: { homePage: 'https://lms.example.org', name: '4242' } });
  assert.ok(a && b);
  assert.equal(pseudonymOf(a, key), pseudonymOf(b, key));
  assert.notEqual(PSEUDONYM_HOMEPAGE, '');
});

test('11/12. account links make one person of an LTI account and an LMS account', () => {
  const links = parseAccountLinks(
    JSON.stringify({ 'https://lms.example.org/': { jdoe: '4242' } }),
    'links.json',
  );
  const lti = base({
    actor: { objectType: 'Agent', account: { homePage: 'https://LMS.example.org/', name: 'jdoe' } },
  });
  const edx = base();
  for (const policy of [preset('pseudonymize')]) {
    const a = applyPrivacyPolicy(lti, policy, { key, links }).actorPseudonym;
    const b = applyPrivacyPolicy(edx, policy, { key, links }).actorPseudonym;
    assert.ok(a);
    assert.equal(a, b, 'one person, one pseudonym');
    assert.notEqual(applyPrivacyPolicy(lti, policy, { key }).actorPseudonym, b, 'without the link: two');
  }
  assert.throws(() => parseAccountLinks('{"x": 1}', 'links.json'), /links\.json/);
});

test('9. roster attack: edX statement ids of every user id in a roster never give a published id', () => {
  const LMS_ROOT = 'https://lms.example.org';
  const event = (userId: number) => ({
    username: `u${userId}`,
    event_source: 'browser',
    event_type: 'play_video',
    name: 'play_video',
    time: '2026-11-22T08:00:00.123456+00:00',
    context: { user_id: userId, org_id: 'FUN', course_id: COURSE, path: '/event' },
    event: { id: 'block-v1:FUN+X+2026+type@video+block@abc', code: 'html5', currentTime: 12.5 },
  });
  const convert = (userId: number) =>
    convertOpenedx(event(userId), {
      lmsRootUrl: LMS_ROOT,
      actorId: (u) => String(u.userId ?? u.username),
      courseName: () => undefined,
    }).statements[0] as unknown as Json;
  const victim = convert(4242);
  assert.ok(victim);
  const published = presets.map(
    (policy) => applyPrivacyPolicy(structuredClone(victim), policy, { key }).statement.id,
  );
  // The attacker knows the roster, the event and its time, not the key: every candidate's
  // original id, and its keyed form under any key but ours, misses the published ids.
  const guess: PseudonymKey = { id: 'k1', secret: Buffer.from('the attacker does not have the key') };
  for (let userId = 4000; userId < 4500; userId += 1) {
    const candidate = String(convert(userId).id);
    for (const p of published) {
      assert.notEqual(candidate, p);
      assert.notEqual(anonymizedStatementId(candidate, guess, 'pseudonymize'), p);
      assert.notEqual(anonymizedStatementId(candidate, guess, 'anonymize'), p);
    }
  }
  // The key holder can still recompute it (idempotent replays, e2e checks).
  assert.equal(published[0], anonymizedStatementId(String(victim.id), key, 'pseudonymize'));
});

test('8. closed forms: the statement version is a version number or nothing', () => {
  for (const { result } of run(base({ version: '1.0.3' }))) assert.equal(result.statement.version, '1.0.3');
  assertGone(base({ version: '1.0.3 by Claire Martin' }), ['Claire']);
});

test('a measure extension keeps numbers and short tokens, never something typed', () => {
  const time = 'https://w3id.org/xapi/video/extensions/time';
  const segments = 'https://w3id.org/xapi/video/extensions/played-segments';
  const size = 'https://w3id.org/xapi/video/extensions/screen-size';
  const withResult = (extensions: Json) => ({
    ...base(activity(`${LMS}/course/${COURSE}`)),
    result: { extensions },
  });
  for (const { policy, result } of run(
    withResult({ [time]: 12.5, [segments]: '0[.]5[,]12[.]20', [size]: '1080x960' }),
  ))
    assert.deepEqual(
      (result.statement.result as Json).extensions,
      { [time]: 12.5, [segments]: '0[.]5[,]12[.]20', [size]: '1080x960' },
      policy,
    );
  for (const typed of ['06 12 34 56 78', '0612345678', 'Appel Zoé', '21 rue des Lilas']) {
    for (const { policy, result } of run(withResult({ [time]: typed }))) {
      const kept = JSON.stringify(result.statement);
      assert.ok(!kept.includes(typed), `${policy}: ${typed}`);
    }
  }
});
