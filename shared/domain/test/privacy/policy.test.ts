import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyError, compilePolicy, parseKeyRing, parsePolicy } from '../../src/privacy/index.js';
import { preset } from './presets.js';

test('both presets are valid policies and say what they are', () => {
  const p = preset('pseudonymize');
  const a = preset('anonymize');
  assert.equal(p.id, 'pseudonymize@3');
  assert.equal(a.id, 'anonymize@2');
  assert.equal(p.rules.actor, 'keyed-hash');
  assert.equal(a.rules.actor, 'random');
  assert.ok(p.strict && a.strict);
});

function problems(input: unknown): string[] {
  try {
    compilePolicy(input, 'test.json');
  } catch (err) {
    assert.ok(err instanceof PolicyError);
    assert.equal(err.code, 'LRS_ERR_PRIVACY_POLICY');
    return err.problems;
  }
  assert.fail('the policy was accepted');
}

test('every problem is reported at once, with where it is', () => {
  const base = JSON.parse(JSON.stringify(preset('pseudonymize'))) as Record<string, unknown>;
  for (const k of ['id', 'userTextTypes', 'keepTextSet', 'keepTextTypes']) delete base[k];
  const rules = base.rules as Record<string, unknown>;
  rules.actor = 'keep';
  delete rules.freeText;
  rules.colour = 'drop';
  (base.extensions as Record<string, unknown>)['https://example.org/x'] = 'maybe';
  const found = problems(base);
  assert.ok(
    found.some((p) => p.startsWith('/rules/actor: must be one of "keyed-hash", "random"')),
    found.join('\n'),
  );
  assert.ok(
    found.some((p) => p.includes('missing "freeText"')),
    found.join('\n'),
  );
  assert.ok(
    found.some((p) => p.includes('unknown property "colour"')),
    found.join('\n'),
  );
  assert.ok(
    found.some((p) => p.startsWith('/extensions/https:~1~1example.org~1x: must be one of')),
    found.join('\n'),
  );
});

test('strict mode cannot keep unknown extensions', () => {
  const base = JSON.parse(JSON.stringify(preset('pseudonymize'))) as Record<string, unknown>;
  for (const k of ['id', 'userTextTypes', 'keepTextSet', 'keepTextTypes']) delete base[k];
  (base.rules as Record<string, unknown>).unknownExtension = 'keep';
  assert.deepEqual(problems(base), ['/rules/unknownExtension: must be "drop" when strict is true']);
  base.strict = false;
  assert.equal(compilePolicy(base).rules.unknownExtension, 'keep');
});

test('a file that is not JSON is a clear policy error', () => {
  assert.throws(
    () => parsePolicy('{"name": ', 'bad.json'),
    /Invalid privacy policy bad.json:\n {2}- not JSON/,
  );
});

test('key ring: one active key among several; errors never quote a secret', () => {
  const ring = parseKeyRing(
    JSON.stringify({
      active: 'k2',
      keys: { k1: 'first secret, long enough', k2: 'second secret, long enough' },
    }),
  );
  assert.equal(ring.active.id, 'k2');
  assert.equal(ring.keys.size, 2);
  assert.throws(
    () => parseKeyRing(JSON.stringify({ active: 'k3', keys: { k1: 'first secret, long enough' } })),
    /active key "k3" is not in the ring/,
  );
  assert.throws(
    () => parseKeyRing(JSON.stringify({ active: 'k1', keys: { k1: 'short-secret' } })),
    (err: Error) => /shorter than 16 bytes/.test(err.message) && !err.message.includes('short-secret'),
  );
  assert.throws(
    () => parseKeyRing('{"active": "k1", "keys": {"k1": "a secret that leaks"'),
    (err: Error) => err.message.endsWith('not JSON') && !err.message.includes('leaks'),
  );
});
