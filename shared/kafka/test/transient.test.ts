import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyError, describeErrorSafely, PoisonError, RetryableError } from '@lrstream/runtime';
import { isTransient } from '../src/client.js';

test('errors are classified by what they say (retryable, code), not by their class', () => {
  assert.deepEqual(classifyError(new RetryableError('X', 'x')), { code: 'X', retryable: true });
  assert.deepEqual(classifyError(new PoisonError('BAD', 'bad input')), { code: 'BAD', retryable: false });
  // A plain object stating both facts is taken at its word, whatever its class.
  assert.deepEqual(classifyError({ code: 'ES_DOWN', retryable: true }), { code: 'ES_DOWN', retryable: true });
  assert.deepEqual(classifyError(Object.assign(new Error('x'), { code: 'Y', retryable: false })), {
    code: 'Y',
    retryable: false,
  });
});

test('network-level failures are retryable; the rest are unexpected', () => {
  assert.equal(isTransient(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })), true);
  assert.equal(isTransient(new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } })), true);
  assert.equal(isTransient({ status: 429 }), true);
  assert.equal(isTransient({ status: 503 }), true);
  assert.equal(isTransient({ name: 'KafkaJSProtocolError', retriable: true }), true);
  assert.equal(isTransient(Object.assign(new Error('x'), { name: 'KafkaJSConnectionError' })), true);
  assert.equal(isTransient(new Error('wrapped', { cause: { status: 502 } })), true);
  assert.equal(isTransient({ status: 400 }), false);
  assert.equal(isTransient(new SyntaxError('Unexpected token')), false);
  assert.equal(classifyError(new TypeError('Received null')).code, 'LRS_ERR_UNEXPECTED');
});

test('an error is described by its name and code only, never its message', () => {
  const err = Object.assign(new TypeError('alice@example.org is not a string'), { code: 'ERR_X' });
  assert.equal(describeErrorSafely(err), 'TypeError (ERR_X)');
  assert.equal(describeErrorSafely(new Error('secret')), 'Error');
  assert.equal(describeErrorSafely(null), 'Error');
  assert.ok(!describeErrorSafely({ name: 'a b <script>', code: 'x y' }).includes('<'));
});
