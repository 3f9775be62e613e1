// The Avro contracts: valid, self-contained, typed, and evolved only in backward-compatible steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { avroFiles, AVRO_DIR, loadValueSchema, readAvroFile } from '../src/avro.js';
import { TOPIC_CATALOGUE, TOPICS, valueSchemaOf } from '../src/topics.js';
import { generateTypes } from '../scripts/gen-types.js';

test('every .avsc file composes into a self-contained schema avsc accepts', () => {
  assert.ok(avroFiles().length >= 6);
  for (const file of avroFiles()) {
    const type = avro.Type.forSchema(loadValueSchema(file) as avro.Schema);
    assert.ok(type, file);
  }
});

test('the topic catalogue names existing schemas and follows <domain>.<stage>.v<N>', () => {
  const files = new Set(avroFiles());
  for (const topic of TOPIC_CATALOGUE) {
    assert.ok(files.has(topic.valueSchema), `${topic.name}: ${topic.valueSchema} exists`);
    assert.match(topic.name, /^[a-z]+\.[a-z-]+\.v\d+$/, topic.name);
    // Unbounded retention (-1) only for compacted topics, which keep one value per key.
    const retention =
      topic.retentionMs > 0 || (topic.cleanupPolicy === 'compact' && topic.retentionMs === -1);
    assert.ok(topic.partitions >= 1 && retention, topic.name);
  }
  assert.equal(new Set(TOPIC_CATALOGUE.map((t) => t.name)).size, TOPIC_CATALOGUE.length, 'names are unique');
  assert.equal(TOPICS.xapiAnonymized, 'xapi.anonymized.v1');
});

test('a raw event round-trips through its schema, original bytes intact', () => {
  const type = avro.Type.forSchema(valueSchemaOf('raw') as avro.Schema);
  const payload = Buffer.from('{"event_type":"play_video","username":"ünïcode"}\n', 'utf8');
  const value = {
    event_id: '6c8f3e52-1a2b-4c3d-9e8f-0a1b2c3d4e5f',
    received_at: Date.UTC(2026, 10, 22),
    format: 'edx',
    channel: 'file',
    producer: 'tracking.log',
    payload,
    line_number: 7,
    xapi_version: null,
  };
  const decoded = type.fromBuffer(type.toBuffer(value)) as typeof value;
  assert.deepEqual(decoded.payload, payload);
  assert.equal(decoded.line_number, 7);
  assert.throws(() => type.toBuffer({ ...value, format: 'caliper' }), 'unknown formats are refused');
});

test('the anonymized contract has no field that names a person', () => {
  const fields = (valueSchemaOf('xapiAnonymized').fields as { name: string }[]).map((f) => f.name);
  for (const banned of ['actor', 'username', 'user_id', 'mbox', 'email', 'name', 'ip', 'actor_key']) {
    assert.ok(!fields.includes(banned), `xapi.anonymized.v1 has no "${banned}" field`);
  }
  assert.ok(fields.includes('actor_pseudonym') && fields.includes('key_id'));
});

test('types.generated.ts is up to date with the .avsc files (npm run gen -w @lrstream/schemas)', () => {
  const committed = readFileSync(
    fileURLToPath(new URL('../src/types.generated.ts', import.meta.url)),
    'utf8',
  );
  assert.equal(committed, generateTypes());
});

// Backward compatibility (the registry's rule): the current schema must read data written with every
// previously committed version of the same file.
function committedVersions(file: string): { rev: string; text: string }[] | undefined {
  const path = `${AVRO_DIR}${file}`;
  try {
    const revs = execFileSync('git', ['log', '--format=%H', '--', path], { cwd: AVRO_DIR, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    return revs.map((rev) => {
      const relative = execFileSync('git', ['ls-files', '--full-name', path], {
        cwd: AVRO_DIR,
        encoding: 'utf8',
      }).trim();
      return {
        rev,
        text: execFileSync('git', ['show', `${rev}:${relative}`], { cwd: AVRO_DIR, encoding: 'utf8' }),
      };
    });
  } catch {
    return undefined;
  }
}

const inGit = (() => {
  try {
    execFileSync('git', ['rev-parse', '--git-dir'], { cwd: AVRO_DIR, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

test(
  'every schema change is backward compatible with all committed versions',
  { skip: inGit ? false : 'not a git checkout: no history to compare with' },
  (t) => {
    let compared = 0;
    for (const file of avroFiles()) {
      const current = avro.Type.forSchema(loadValueSchema(file) as avro.Schema);
      for (const { rev, text } of committedVersions(file) ?? []) {
        // Older versions are composed with today's sibling types: shared types evolve under this same test.
        const old = JSON.parse(text) as Record<string, unknown>;
        const oldType = avro.Type.forSchema(composeWithSiblings(old) as avro.Schema);
        assert.doesNotThrow(
          () => current.createResolver(oldType),
          `${file} cannot read data written by ${rev.slice(0, 8)}`,
        );
        compared += 1;
      }
    }
    t.diagnostic(`${compared} (schema, committed version) pairs checked`);
  },
);

test('the compatibility check itself catches an incompatible change', () => {
  const v1 = avro.Type.forSchema({ type: 'record', name: 'X', fields: [{ name: 'a', type: 'string' }] });
  const addedWithoutDefault = avro.Type.forSchema({
    type: 'record',
    name: 'X',
    fields: [
      { name: 'a', type: 'string' },
      { name: 'b', type: 'string' },
    ],
  });
  const addedWithDefault = avro.Type.forSchema({
    type: 'record',
    name: 'X',
    fields: [
      { name: 'a', type: 'string' },
      { name: 'b', type: ['null', 'string'], default: null },
    ],
  });
  assert.throws(() => addedWithoutDefault.createResolver(v1));
  assert.doesNotThrow(() => addedWithDefault.createResolver(v1));
});

function composeWithSiblings(schema: Record<string, unknown>): unknown {
  // Shared leaf types (Origin, SourceFormat: files that reference no other named type) as they are today.
  const registry: Record<string, avro.Type> = {};
  for (const file of avroFiles()) {
    const sibling = readAvroFile(file);
    const references = JSON.stringify(sibling.fields ?? []).includes('"lrstream.v1.');
    if (sibling.name !== schema.name && !references)
      avro.Type.forSchema(sibling as avro.Schema, { registry });
  }
  return avro.Type.forSchema(schema as avro.Schema, { registry }).schema();
}
