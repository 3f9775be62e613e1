// Hashed secrets, the credentials file, the verification cache and the hash-secret command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createAuthenticator, parseCredentials } from '../src/auth.js';
import { hashSecret, parseSecretHash, verifySecret } from '../src/hash-secret.js';
import { CHEAP_SCRYPT, basic } from './helpers.js';

test('hashSecret: scrypt$N$r$p$salt$hash, salted per call, verified in constant time', async () => {
  const a = await hashSecret('s3cret', CHEAP_SCRYPT);
  const b = await hashSecret('s3cret', CHEAP_SCRYPT);
  assert.match(a, /^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.notEqual(a, b, 'a fresh salt each time');
  assert.equal(await verifySecret('s3cret', parseSecretHash(a)), true);
  assert.equal(await verifySecret('s3cret ', parseSecretHash(a)), false);
  for (const bad of [
    'bcrypt$x',
    'scrypt$1000$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==',
    'scrypt$1024$8$1$$',
  ]) {
    assert.throws(() => parseSecretHash(bad), /scrypt|power of two|too short/, bad);
  }
});

test('the credentials file is checked as a whole: duplicates, bad hashes, bad scopes', async () => {
  const hash = await hashSecret('x', CHEAP_SCRYPT);
  assert.throws(() => parseCredentials('{}'), /list/);
  assert.throws(
    () =>
      parseCredentials(
        JSON.stringify([
          { username: 'a', hash, scopes: [] },
          { username: 'a', hash, scopes: [] },
          { username: 'b', hash: 'plain-text-password', scopes: [] },
          { username: 'c', hash, scopes: 'all' },
        ]),
      ),
    (err: Error) =>
      /entry 1: duplicate/.test(err.message) &&
      /entry 2: hash/.test(err.message) &&
      /entry 3/.test(err.message),
  );
  assert.equal(parseCredentials(JSON.stringify([{ username: 'a', hash, scopes: ['all'] }])).length, 1);
});

test('verified credentials are cached until the TTL; failures are never cached', async () => {
  let clock = 0;
  let verifications = 0;
  const entries = parseCredentials(
    JSON.stringify([
      { username: 'u', hash: await hashSecret('pw', CHEAP_SCRYPT), scopes: ['statements/write'] },
    ]),
  );
  const auth = await createAuthenticator(entries, {
    cacheTtlMs: 1000,
    now: () => clock,
    verify: (secret, stored) => {
      verifications += 1;
      return verifySecret(secret, stored);
    },
  });
  const principal = await auth.authenticate(basic('u', 'pw'));
  assert.deepEqual(principal, { username: 'u', scopes: ['statements/write'] });
  // Concurrent requests with the same credentials share the cached result.
  await Promise.all([auth.authenticate(basic('u', 'pw')), auth.authenticate(basic('u', 'pw'))]);
  assert.equal(verifications, 1);
  clock = 1001;
  await auth.authenticate(basic('u', 'pw'));
  assert.equal(verifications, 2, 'expired: verified again');
  await assert.rejects(auth.authenticate(basic('u', 'nope')), { statusCode: 401 });
  await assert.rejects(auth.authenticate(basic('u', 'nope')), { statusCode: 401 });
  assert.equal(verifications, 4, 'each failure costs a verification');
  await assert.rejects(auth.authenticate(basic('ghost', 'pw')), { statusCode: 401 });
  assert.equal(verifications, 5, 'unknown users cost a (decoy) verification too');
});

test('hash-secret run directly prints a hash of the secret read from stdin', () => {
  const script = fileURLToPath(new URL('../src/hash-secret.ts', import.meta.url));
  const run = spawnSync(process.execPath, ['--import', 'tsx', script], {
    input: 'from-stdin\n',
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  const hash = run.stdout.trim();
  assert.match(hash, /^scrypt\$32768\$8\$1\$/);
  return verifySecret('from-stdin', parseSecretHash(hash)).then((ok) => assert.equal(ok, true));
});
