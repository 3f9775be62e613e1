import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PSEUDONYM_HOMEPAGE, pseudonymizeStatement, type PseudonymKey } from '../../src/privacy/index.js';
import { validateXapiStatement } from '../../src/xapi/index.js';

const key: PseudonymKey = { id: 'k1', secret: Buffer.from('a test secret of reasonable length') };
const other: PseudonymKey = { id: 'k2', secret: Buffer.from('another secret, another world') };

const statement = {
  id: '2f0c8b9e-4a7d-4b1e-9c3f-6d5e4a3b2c1d',
  actor: { objectType: 'Agent', name: 'Jeanne Dupont', mbox: 'mailto:jeanne.dupont@example.org' },
  verb: { id: 'http://adlnet.gov/expapi/verbs/answered' },
  object: {
    objectType: 'Activity',
    id: 'https://lms.example.org/problem/1',
    definition: { interactionType: 'fill-in' },
  },
  result: { response: 'my email is jeanne.dupont@example.org', success: true },
  context: {
    instructor: {
      objectType: 'Agent',
      name: 'Prof X',
      account: { homePage: 'https://lms.example.org', name: 'profx' },
    },
    team: {
      objectType: 'Group',
      name: 'Team A',
      member: [{ mbox: 'mailto:bob@example.org' }],
      mbox: 'mailto:team@example.org',
    },
  },
  authority: { objectType: 'Agent', account: { homePage: 'https://lms.example.org', name: 'marsha' } },
};

test('no identifier, name or free text survives', () => {
  const { statement: out, actorPseudonym } = pseudonymizeStatement(statement, key);
  const text = JSON.stringify(out);
  for (const secret of ['jeanne', 'Dupont', 'profx', 'Prof X', 'bob@', 'team@', 'Team A', 'marsha']) {
    assert.ok(!text.toLowerCase().includes(secret.toLowerCase()), `"${secret}" is gone`);
  }
  assert.match(actorPseudonym ?? '', /^[0-9a-f]{32}$/);
  assert.deepEqual((out.actor as { account: unknown }).account, {
    homePage: PSEUDONYM_HOMEPAGE,
    name: actorPseudonym,
  });
  assert.equal((out.result as { success: boolean }).success, true, 'non-personal result fields stay');
  assert.deepEqual(validateXapiStatement(out), [], 'still valid xAPI');
});

test('same key, same person: same pseudonym; another key: unlinkable', () => {
  const a = pseudonymizeStatement(statement, key).actorPseudonym;
  const b = pseudonymizeStatement(
    { ...statement, id: '3f0c8b9e-4a7d-4b1e-9c3f-6d5e4a3b2c1d' },
    key,
  ).actorPseudonym;
  const c = pseudonymizeStatement(statement, other).actorPseudonym;
  assert.equal(a, b);
  assert.notEqual(a, c);
  // The mbox is case-insensitive in practice: the pseudonym does not change with case.
  const upper = pseudonymizeStatement(
    { ...statement, actor: { mbox: 'mailto:JEANNE.DUPONT@example.org' } },
    key,
  ).actorPseudonym;
  assert.equal(upper, a);
});
