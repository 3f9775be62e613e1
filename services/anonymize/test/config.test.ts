import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@lrstream/runtime';
import { loadKeyRing } from '../src/keys.js';
import { loadPolicy } from '../src/policy.js';

const dir = mkdtempSync(join(tmpdir(), 'anonymize-config-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

test('presets by name; unknown preset and invalid file are configuration errors', () => {
  assert.equal(loadPolicy({ policy: 'anonymize', policyFile: '' }).id, 'anonymize@2');
  assert.throws(
    () => loadPolicy({ policy: 'open', policyFile: '' }),
    (e: Error) =>
      e instanceof ConfigError && /ANONYMIZE_POLICY must be one of pseudonymize, anonymize/.test(e.message),
  );
  const bad = file('bad-policy.json', JSON.stringify({ policyFormat: 1, name: 'x', version: 1 }));
  assert.throws(
    () => loadPolicy({ policy: 'pseudonymize', policyFile: bad }),
    (e: Error) =>
      e instanceof ConfigError &&
      /ANONYMIZE_POLICY_FILE=.*bad-policy.json/.test(e.message) &&
      /missing "rules"/.test(e.message),
  );
  assert.throws(() => loadPolicy({ policy: 'pseudonymize', policyFile: join(dir, 'none.json') }), /ENOENT/);
});

test('key ring file wins; a single key needs 16 bytes; the secret is never in a message', () => {
  const ring = file(
    'ring.json',
    JSON.stringify({ active: 'b', keys: { a: 'secret number one!!', b: 'secret number two!!' } }),
  );
  assert.equal(loadKeyRing({ keyRingFile: ring, keyFile: '', key: 'ignored', keyId: 'k1' }).active.id, 'b');
  assert.equal(
    loadKeyRing({ keyRingFile: '', keyFile: '', key: 'sixteen bytes ok!', keyId: 'k9' }).active.id,
    'k9',
  );
  assert.throws(
    () => loadKeyRing({ keyRingFile: '', keyFile: '', key: 'tiny-secret', keyId: 'k1' }),
    (e: Error) =>
      e instanceof ConfigError &&
      /shorter than 16 bytes/.test(e.message) &&
      !e.message.includes('tiny-secret'),
  );
  assert.throws(
    () => loadKeyRing({ keyRingFile: '', keyFile: '', key: '', keyId: 'k1' }),
    /secret is required/,
  );
});
