import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PoisonError, RetryableError } from '@lrstream/runtime';
import { isTransient } from '../src/stage.js';

test('network and overload failures are retried, poison is not', () => {
  assert.equal(isTransient(new RetryableError('X', 'x')), true);
  assert.equal(isTransient(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })), true);
  assert.equal(isTransient(new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } })), true);
  assert.equal(isTransient({ status: 429 }), true);
  assert.equal(isTransient({ status: 503 }), true);
  assert.equal(isTransient(Object.assign(new Error('x'), { name: 'KafkaJSConnectionError' })), true);
  assert.equal(isTransient(new PoisonError('BAD', 'bad input')), false);
  assert.equal(isTransient({ status: 400 }), false);
  assert.equal(isTransient(new SyntaxError('Unexpected token')), false);
});
