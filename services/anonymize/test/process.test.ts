import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { XapiStatement } from '@lrstream/schemas';
import { anonymizeRecord } from '../src/process.js';

const key = { id: 'k7', secret: Buffer.from('0123456789abcdef-secret') };
const statement = {
  id: '2f0c8b9e-4a7d-4b1e-9c3f-6d5e4a3b2c1d',
  actor: {
    objectType: 'Agent',
    name: 'Ada Lovelace',
    account: { homePage: 'https://lms.example.org', name: 'ada' },
  },
  verb: { id: 'https://w3id.org/xapi/video/verbs/played' },
  object: { objectType: 'Activity', id: 'https://lms.example.org/video/1' },
};
const value: XapiStatement = {
  statement_id: statement.id,
  event_id: 'e1',
  received_at: 1,
  origin: { topic: 'events.raw.v1', partition: 0, offset: 1 },
  source_format: 'xapi',
  conversion_profile: null,
  timestamp: null,
  verb_id: statement.verb.id,
  object_type: 'Activity',
  object_id: statement.object.id,
  course_id: null,
  statement_json: JSON.stringify(statement),
};

test('the output carries the pseudonym as key, the key id, and no identifier', () => {
  const outcome = anonymizeRecord(
    { topic: 'xapi.identified.v1', partition: 0, offset: '0', key: null, timestamp: 0, value },
    key,
  );
  assert.equal(outcome.kind, 'emit');
  if (outcome.kind !== 'emit') return;
  const [out] = outcome.outputs;
  const v = out?.value as Record<string, unknown>;
  assert.equal(out?.topic, 'xapiAnonymized');
  assert.equal(out?.key, v.actor_pseudonym);
  assert.equal(v.key_id, 'k7');
  assert.ok(!JSON.stringify(v).includes('ada') && !JSON.stringify(v).includes('Lovelace'));
});
