import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chunkRanges,
  classifyItem,
  isRetryableRequestError,
  itemOf,
  sanitizeReason,
  toBulkLines,
} from '../src/bulk.js';

test('classifyItem: 2xx acknowledged', () => {
  assert.deepEqual(classifyItem({ status: 201 }), { kind: 'ok' });
  assert.deepEqual(classifyItem({ status: 200 }), { kind: 'ok' });
});

test('classifyItem: 429 and 5xx retry, 501 does not (Vector rules)', () => {
  assert.deepEqual(classifyItem({ status: 429, error: { type: 'es_rejected_execution_exception' } }), {
    kind: 'retry',
    reason: 'es_rejected_execution_exception',
  });
  assert.equal(classifyItem({ status: 503, error: { type: 'unavailable_shards_exception' } }).kind, 'retry');
  assert.equal(classifyItem({ status: 500 }).kind, 'retry');
  assert.equal(classifyItem({ status: 501 }).kind, 'reject');
});

test('classifyItem: a mapping conflict is rejected with ES_REJECTED_<type> and no document content', () => {
  const verdict = classifyItem({
    status: 400,
    error: {
      type: 'document_parsing_exception',
      reason:
        "[1:41] failed to parse field [result.score.raw] of type [double] in document with id 'b'. Preview of field's value: 'secret-value'",
    },
  });
  assert.equal(verdict.kind, 'reject');
  if (verdict.kind !== 'reject') return;
  assert.equal(verdict.code, 'ES_REJECTED_DOCUMENT_PARSING_EXCEPTION');
  assert.equal(verdict.reason, 'document_parsing_exception');
  assert.match(verdict.message, /failed to parse field \[result\.score\.raw\] of type \[double\]/);
  assert.doesNotMatch(verdict.message, /secret-value/);
});

test('classifyItem: an unusual error type does not become an unbounded label', () => {
  const verdict = classifyItem({ status: 404, error: { type: 'Weird Type!', reason: 'x' } });
  assert.equal(verdict.kind === 'reject' && verdict.code, 'ES_REJECTED_STATUS_404');
});

test('sanitizeReason: cuts immense-term previews and bounds the length', () => {
  assert.equal(
    sanitizeReason(
      'Document contains at least one immense term in field="x", the prefix of the first immense term is: \'[1, 2]\'',
    ),
    'Document contains at least one immense term in field="x"',
  );
  assert.equal(sanitizeReason('a'.repeat(1000)).length, 300);
  assert.equal(sanitizeReason(null), 'no reason given');
});

test('isRetryableRequestError: network, timeout, 429 and 5xx retry; 400/401/404 do not', () => {
  assert.ok(isRetryableRequestError({ name: 'ConnectionError' }));
  assert.ok(isRetryableRequestError({ name: 'TimeoutError' }));
  assert.ok(isRetryableRequestError({ name: 'NoLivingConnectionsError' }));
  assert.ok(isRetryableRequestError({ name: 'ResponseError', meta: { statusCode: 429 } }));
  assert.ok(isRetryableRequestError({ name: 'ResponseError', meta: { statusCode: 503 } }));
  assert.ok(!isRetryableRequestError({ name: 'ResponseError', meta: { statusCode: 400 } }));
  assert.ok(!isRetryableRequestError({ name: 'ResponseError', meta: { statusCode: 401 } }));
  assert.ok(!isRetryableRequestError(new TypeError('bug')));
  assert.ok(!isRetryableRequestError(null));
});

test('itemOf: reads the item whatever the operation key', () => {
  assert.deepEqual(itemOf({ index: { status: 201 } }), { status: 201 });
  assert.deepEqual(itemOf({ create: { status: 409 } }), { status: 409 });
  assert.equal(itemOf({}), undefined);
});

test('toBulkLines: index op (create or overwrite) with the statement id', () => {
  const [action, body] = toBulkLines({ id: 's1', index: 'p-2026.11', source: { id: 's1' } });
  assert.deepEqual(JSON.parse(action), { index: { _index: 'p-2026.11', _id: 's1' } });
  assert.deepEqual(JSON.parse(body), { id: 's1' });
});

test('chunkRanges: by count and by bytes; an oversized document goes alone', () => {
  assert.deepEqual(chunkRanges([1, 1, 1, 1, 1], { maxDocs: 2, maxBytes: 100 }), [
    [0, 2],
    [2, 4],
    [4, 5],
  ]);
  assert.deepEqual(chunkRanges([40, 40, 40], { maxDocs: 10, maxBytes: 100 }), [
    [0, 2],
    [2, 3],
  ]);
  assert.deepEqual(chunkRanges([10, 500, 10], { maxDocs: 10, maxBytes: 100 }), [
    [0, 1],
    [1, 2],
    [2, 3],
  ]);
  assert.deepEqual(chunkRanges([], { maxDocs: 10, maxBytes: 100 }), []);
});
