import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  PSEUDONYM_HOMEPAGE,
  applyPrivacyPolicy,
  generaliseUrl,
  userAgentFamily,
  type PseudonymKey,
} from '../../src/privacy/index.js';
import { validateXapiStatement } from '../../src/xapi/index.js';
import { preset } from './presets.js';

const key: PseudonymKey = { id: 'k1', secret: Buffer.from('a test secret of reasonable length') };
const other: PseudonymKey = { id: 'k2', secret: Buffer.from('another secret, another world') };
const pseudonymize = preset('pseudonymize');
const anonymize = preset('anonymize');

const EMAIL = 'jeanne.dupont@example.org';
const UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const SESSION = '0f3b9e2c1d4a5b6c7d8e9f0a1b2c3d4e';
const agent = (name: string, user: string) => ({
  objectType: 'Agent',
  name,
  account: { homePage: 'https://lms.example.org', name: user },
});

/** A statement with a personal value in every place the issue lists. */
const statement = {
  id: '2f0c8b9e-4a7d-4b1e-9c3f-6d5e4a3b2c1d',
  actor: { objectType: 'Agent', name: 'Jeanne Dupont', mbox: `mailto:${EMAIL}` },
  verb: { id: 'http://adlnet.gov/expapi/verbs/answered', display: { en: 'answered' } },
  object: {
    objectType: 'Activity',
    id: 'https://lms.example.org/u/jdupont/problem/1?token=abc&email=jeanne.dupont%40example.org',
    definition: {
      interactionType: 'fill-in',
      moreInfo: 'https://lms.example.org/users/jdupont?tab=1',
      extensions: {
        'https://example.org/x/custom': 'from 203.0.113.9 by jdupont',
        'http://id.tincanapi.com/extension/attempt-id': 2,
      },
    },
  },
  result: {
    response: `my email is ${EMAIL}`,
    success: true,
    score: { raw: 1, min: 0, max: 1 },
    extensions: { 'https://w3id.org/xapi/video/extensions/time': 12.5 },
  },
  context: {
    registration: 'a0da6732-4061-4313-a0d5-cce06fdb1897',
    instructor: agent('Prof Xavier', 'profx'),
    team: {
      objectType: 'Group',
      name: 'Team Avalanche',
      member: [{ mbox: 'mailto:bob.martin@example.org', name: 'Bob Martin' }],
      mbox: 'mailto:team@example.org',
    },
    platform: 'Open edX',
    contextActivities: {
      parent: [{ id: 'https://lms.example.org/courses/course-v1:FUN+X+1?utm=mail', objectType: 'Activity' }],
    },
    extensions: {
      'https://w3id.org/xapi/video/extensions/session-id': SESSION,
      'https://w3id.org/xapi/video/extensions/user-agent': UA,
      'https://w3id.org/xapi/video/extensions/length': 600,
      'https://example.org/extensions/ip': '2001:db8::1f',
    },
  },
  authority: agent('Marsha Bot', 'marsha-authority'),
  timestamp: '2026-11-02T08:17:23.457Z',
  version: '1.0.3',
};

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const SEEDED = [
  'jeanne',
  'dupont',
  'jdupont',
  EMAIL,
  'profx',
  'Prof Xavier',
  'bob.martin',
  'Bob Martin',
  'team@',
  'Avalanche',
  'marsha-authority',
  'Marsha Bot',
  '203.0.113.9',
  '2001:db8::1f',
  SESSION,
  UA,
  'a0da6732-4061-4313-a0d5-cce06fdb1897',
  'token=abc',
  'utm=mail',
];

function assertClean(text: string): void {
  for (const value of SEEDED) {
    for (const form of [value, sha1(value), md5(value), sha1(`mailto:${value}`)]) {
      assert.ok(!text.toLowerCase().includes(form.toLowerCase()), `"${form}" (from "${value}") is gone`);
    }
  }
}

test('pseudonymize: no identifier, name, free text, IP, session, user agent or query survives', () => {
  const { statement: out, actorPseudonym, report } = applyPrivacyPolicy(statement, pseudonymize, { key });
  const text = JSON.stringify(out);
  assertClean(text);
  assert.match(actorPseudonym ?? '', /^[0-9a-f]{32}$/);
  assert.deepEqual((out.actor as { account: unknown }).account, {
    homePage: PSEUDONYM_HOMEPAGE,
    name: actorPseudonym,
  });
  const o = out.object as {
    id: string;
    definition: { moreInfo: string; extensions: Record<string, unknown> };
  };
  // Paths outside the allowed shapes become a keyed hash (issue "Zero-leak, for real").
  assert.match(o.id, /^https:\/\/lms\.example\.org\/~[0-9a-f]{24}$/);
  assert.match(o.definition.moreInfo, /^https:\/\/lms\.example\.org\/~[0-9a-f]{24}$/);
  assert.equal(
    o.definition.extensions['https://example.org/x/custom'],
    undefined,
    'unknown extension dropped',
  );
  const result = out.result as Record<string, unknown>;
  assert.equal(result.response, undefined);
  assert.equal(result.success, true, 'non-personal result fields stay');
  const ctx = out.context as { registration: string; extensions: Record<string, unknown>; platform: string };
  assert.match(ctx.registration, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(ctx.extensions['https://w3id.org/xapi/video/extensions/user-agent'], 'Chrome/Linux');
  assert.match(String(ctx.extensions['https://w3id.org/xapi/video/extensions/session-id']), /^[0-9a-f]{32}$/);
  assert.equal(ctx.extensions['https://w3id.org/xapi/video/extensions/length'], 600, 'measures stay');
  assert.equal(ctx.extensions['https://example.org/extensions/ip'], undefined);
  assert.equal(ctx.platform, undefined, 'free text unless the policy names the field');
  assert.deepEqual(report.dropped, {
    agent_name: 5,
    free_text: 1,
    text: 2,
    unknown_extension: 2,
  });
  assert.equal(report.replaced.url_query, 3);
  assert.equal(report.replaced.url_path, 2);
  assert.deepEqual(validateXapiStatement(out), [], 'still valid xAPI');
});

test('same key, same person: same pseudonyms; another key: unlinkable; mbox and its sha1 agree', () => {
  const a = applyPrivacyPolicy(statement, pseudonymize, { key });
  const b = applyPrivacyPolicy({ ...statement, id: '3f0c8b9e-4a7d-4b1e-9c3f-6d5e4a3b2c1d' }, pseudonymize, {
    key,
  });
  const c = applyPrivacyPolicy(statement, pseudonymize, { key: other });
  assert.equal(a.actorPseudonym, b.actorPseudonym);
  assert.deepEqual(
    a.statement.context,
    b.statement.context,
    'registration and session hashes are stable too',
  );
  assert.notEqual(a.actorPseudonym, c.actorPseudonym);
  const ctxA = JSON.stringify(a.statement.context);
  const ctxC = c.statement.context as { registration: string };
  assert.ok(!ctxA.includes(ctxC.registration), 'registration hash differs under another key');
  const upper = applyPrivacyPolicy(
    { ...statement, actor: { mbox: `mailto:${EMAIL.toUpperCase()}` } },
    pseudonymize,
    { key },
  );
  assert.equal(upper.actorPseudonym, a.actorPseudonym, 'an mbox is case-insensitive');
  const summed = applyPrivacyPolicy(
    { ...statement, actor: { mbox_sha1sum: sha1(`mailto:${EMAIL}`) } },
    pseudonymize,
    { key },
  );
  assert.equal(summed.actorPseudonym, a.actorPseudonym, 'mbox_sha1sum is re-keyed to the same pseudonym');
  assert.ok(!JSON.stringify(summed.statement).includes(sha1(`mailto:${EMAIL}`)));
});

test('anonymize: no stable learner identifier at all', () => {
  const a = applyPrivacyPolicy(statement, anonymize, { key });
  const b = applyPrivacyPolicy(statement, anonymize, { key });
  assert.equal(a.actorPseudonym, null);
  const nameOf = (s: Record<string, unknown>) => (s.actor as { account: { name: string } }).account.name;
  assert.notEqual(nameOf(a.statement), nameOf(b.statement), 'a fresh identifier per statement');
  const ctx = a.statement.context as Record<string, unknown>;
  assert.equal(ctx.registration, undefined);
  assert.equal(ctx.instructor, undefined);
  assert.equal(ctx.team, undefined);
  assert.equal(a.statement.authority, undefined);
  assert.equal(
    (ctx.extensions as Record<string, unknown>)['https://w3id.org/xapi/video/extensions/session-id'],
    undefined,
  );
  assert.equal(a.statement.timestamp, '2026-11-02T08:00:00.000Z', 'coarsened to the hour');
  assertClean(JSON.stringify(a.statement));
  assert.deepEqual(validateXapiStatement(a.statement), []);
});

test('agents in SubStatements, groups as objects and user-written forum titles are treated', () => {
  const forum = {
    actor: agent('Alice Martin', 'alicem'),
    verb: { id: 'https://w3id.org/xapi/acrossx/verbs/posted' },
    object: {
      objectType: 'SubStatement',
      actor: { objectType: 'Agent', mbox: 'mailto:sub@example.org' },
      verb: { id: 'http://adlnet.gov/expapi/verbs/asked' },
      object: {
        objectType: 'Activity',
        id: 'https://lms.example.org/discussion/t1',
        definition: {
          type: 'http://id.tincanapi.com/activitytype/discussion',
          name: { en: 'Help! write to alice.martin@example.org' },
          description: { en: 'my private question' },
        },
      },
      context: { instructor: { objectType: 'Group', member: [agent('Carl Teacher', 'carlt')] } },
    },
    context: { extensions: { 'https://w3id.org/xapi/acrossx/extensions/supplemental-info': 'body text' } },
  };
  const { statement: out, report } = applyPrivacyPolicy(forum, pseudonymize, { key });
  const text = JSON.stringify(out);
  for (const v of [
    'alicem',
    'Alice',
    'sub@example.org',
    'Help!',
    'private question',
    'carlt',
    'Carl',
    'body text',
  ])
    assert.ok(!text.includes(v), `${v} is gone`);
  assert.equal(report.dropped.user_text, 3);
  const sub = out.object as {
    actor: { account: { name: string } };
    context: { instructor: { member: { account: { homePage: string } }[] } };
  };
  assert.match(sub.actor.account.name, /^[0-9a-f]{32}$/);
  assert.equal(sub.context.instructor.member[0]?.account.homePage, PSEUDONYM_HOMEPAGE);
  const group = applyPrivacyPolicy(
    {
      ...forum,
      object: { objectType: 'Group', name: 'G', member: [{ openid: 'https://id.example.org/alicem' }] },
    },
    pseudonymize,
    { key },
  );
  assert.ok(!JSON.stringify(group.statement).includes('id.example.org'));
});

test('strict: unknown properties and attachments are dropped and counted; lenient keeps them scrubbed', () => {
  const odd = {
    ...statement,
    attachments: [
      { usageType: 'x', display: { en: 'My CV' }, contentType: 'text/plain', length: 1, sha2: 'ab' },
    ],
    object: { ...statement.object, surprise: 'Dupont was here' },
  };
  const strict = applyPrivacyPolicy(odd, pseudonymize, { key });
  assert.equal(strict.report.dropped.unknown_property, 1);
  assert.equal(strict.report.dropped.attachments, 1);
  assert.equal((strict.statement.object as Record<string, unknown>).surprise, undefined);
  const lenient = applyPrivacyPolicy(
    odd,
    { ...pseudonymize, strict: false, rules: { ...pseudonymize.rules, unknownExtension: 'keep' } },
    { key },
  );
  assert.equal((lenient.statement.object as Record<string, unknown>).surprise, 'redacted was here');
  const ext = (lenient.statement.object as { definition: { extensions: Record<string, string> } }).definition
    .extensions;
  assert.equal(
    ext['https://example.org/x/custom'],
    'from redacted-ip by jdupont',
    'an unknown username stays in lenient mode',
  );
});

test('course keys can be obfuscated everywhere they appear', () => {
  const courseId = 'course-v1:FUN+STAT101+2026_T1';
  const s = {
    ...statement,
    object: {
      id: `https://lms.example.org/xblock/block-v1:FUN+STAT101+2026_T1+type@problem+block@p1`,
      objectType: 'Activity',
    },
    context: { contextActivities: { parent: [{ id: `https://lms.example.org/course/${courseId}` }] } },
  };
  const policy = { ...pseudonymize, rules: { ...pseudonymize.rules, courseKey: 'keyed-hash' as const } };
  const { statement: out, courseId: published } = applyPrivacyPolicy(s, policy, { key, courseId });
  assert.match(published ?? '', /^course-[0-9a-f]{32}$/);
  assert.ok(!JSON.stringify(out).includes('STAT101'));
  assert.ok(JSON.stringify(out).includes(published ?? '-'));
});

test('URL and user-agent generalisation', () => {
  assert.match(generaliseUrl('https://a:b@x.org/u/bob/x?q=1#f', key), /^https:\/\/x\.org\/~[0-9a-f]{24}$/);
  assert.equal(
    generaliseUrl('https://X.org/course/course-v1:A+B+C/?q=1#f', key),
    'https://x.org/course/course-v1:A+B+C',
  );
  assert.match(generaliseUrl('not a url', key), /^urn:lrstream:[0-9a-f]{24}$/);
  assert.equal(userAgentFamily(UA), 'Chrome/Linux');
  assert.equal(
    userAgentFamily('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1'),
    'Safari/iOS',
  );
  assert.equal(
    userAgentFamily('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0'),
    'Firefox/Windows',
  );
});
