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

/** A verification the test finishes by hand: `release(true|false)` settles the oldest one started. */
function manualVerify() {
  const pending: Array<(ok: boolean) => void> = [];
  return {
    started: () => pending.length,
    release: (ok: boolean) => pending.shift()?.(ok),
    verify: () => new Promise<boolean>((resolve) => pending.push(resolve)),
  };
}

test('a full verification queue answers 503 + Retry-After at once; a cached login never waits', async () => {
  const entries = parseCredentials(
    JSON.stringify([
      { username: 'u', hash: await hashSecret('pw', CHEAP_SCRYPT), scopes: ['statements/write'] },
    ]),
  );
  const gate = manualVerify();
  const depths: Array<[number, number]> = [];
  const auth = await createAuthenticator(entries, {
    cacheTtlMs: 60_000,
    maxConcurrentVerifications: 2,
    maxQueuedVerifications: 3,
    retryAfterSeconds: 7,
    verify: gate.verify,
    onQueueChange: (running, queued) => depths.push([running, queued]),
  });
  // Warm the cache for the valid client.
  const warm = auth.authenticate(basic('u', 'pw'));
  gate.release(true);
  await warm;

  // A flood of wrong passwords: 2 run, 3 wait, the rest are refused without queueing.
  const flood = Array.from({ length: 8 }, (_, i) =>
    auth.authenticate(basic('u', `wrong-${i}`)).then(
      () => 'accepted',
      (err: { statusCode: number; code: string; extra: { headers?: Record<string, string> } }) => err,
    ),
  );
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(gate.started(), 2, 'bounded concurrency');
  assert.deepEqual(depths.at(-1), [2, 3], 'queue depth reported');
  const refused = (await Promise.race([
    flood[7],
    new Promise((resolve) => setTimeout(() => resolve('still waiting'), 200)),
  ])) as { statusCode: number; code: string; extra: { headers?: Record<string, string> } };
  assert.equal(refused.statusCode, 503, 'over the queue bound: refused at once, not queued');
  assert.equal(refused.code, 'LRS_ERR_AUTH_BUSY');
  assert.equal(refused.extra.headers?.['Retry-After'], '7');

  // The cached client is answered while the queue is full.
  assert.deepEqual(await auth.authenticate(basic('u', 'pw')), {
    username: 'u',
    scopes: ['statements/write'],
  });
  // An uncached valid login is refused too (it would wait behind the flood), not left hanging.
  await assert.rejects(auth.authenticate(basic('u', 'pw-new-session')), { statusCode: 503 });

  // Draining: every queued verification runs, and each is a 401.
  for (let i = 0; i < 5; i += 1) {
    gate.release(false);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const outcomes = await Promise.all(flood);
  assert.deepEqual(
    outcomes.map((o) => (typeof o === 'string' ? o : (o as { statusCode: number }).statusCode)),
    [401, 401, 401, 401, 401, 503, 503, 503],
  );
  assert.deepEqual(depths.at(-1), [0, 0], 'drained');
});

test('credentials that are not UTF-8 are refused without a verification', async () => {
  let verifications = 0;
  const entries = parseCredentials(
    JSON.stringify([{ username: 'u', hash: await hashSecret('pw\ufffd', CHEAP_SCRYPT), scopes: [] }]),
  );
  const auth = await createAuthenticator(entries, {
    cacheTtlMs: 1000,
    verify: async () => {
      verifications += 1;
      return true;
    },
  });
  const header = `Basic ${Buffer.concat([Buffer.from('u:pw'), Buffer.from([0xff])]).toString('base64')}`;
  await assert.rejects(auth.authenticate(header), { statusCode: 401 });
  assert.equal(verifications, 0);
});
