// Bodies must be UTF-8 (RFC 8259 8.1): a body that is not is refused whole with 400, before and
// after gzip decoding, so an IRI is never silently changed into U+FFFD downstream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { EDX_ONLY, metricValue, testServer, videoStatement, xapiHeaders } from './helpers.js';

const statementWith = (bytes: number[]) => {
  const [head, tail] = JSON.stringify(videoStatement('8f1ad7e2-6a1c-4f51-9c4e-2b0e8a7d3c10')).split('Intro');
  return Buffer.concat([Buffer.from(`${head}Intro `), Buffer.from(bytes), Buffer.from(tail ?? '')]);
};

// A stray continuation byte, an overlong "/", a UTF-16 surrogate, a truncated sequence, 0xFF.
const INVALID: Array<[string, number[]]> = [
  ['lone continuation', [0x80]],
  ['overlong', [0xc0, 0xaf]],
  ['surrogate', [0xed, 0xa0, 0x80]],
  ['truncated', [0xe2, 0x82]],
  ['0xff', [0xff]],
];

test('xAPI: a body that is not UTF-8 is 400 LRS_ERR_INVALID_UTF8, nothing written', async () => {
  const { app, producer, registry } = await testServer();
  for (const [name, bytes] of INVALID) {
    for (const gzip of [false, true]) {
      const body = statementWith(bytes);
      const res = await app.inject({
        method: 'POST',
        url: '/xAPI/statements',
        headers: xapiHeaders(gzip ? { 'content-encoding': 'gzip' } : {}),
        payload: gzip ? gzipSync(body) : body,
      });
      assert.equal(res.statusCode, 400, `${name} gzip=${gzip}: ${res.body}`);
      assert.equal(res.json().code, 'LRS_ERR_INVALID_UTF8');
      assert.equal(typeof res.json().message, 'string');
    }
  }
  assert.equal(producer.sends.length, 0);
  assert.equal(
    await metricValue(registry, 'lrstream_ingest_rejected_requests_total', { code: 'LRS_ERR_INVALID_UTF8' }),
    INVALID.length * 2,
  );
  // Valid multi-byte text (é, €, 𝄞) passes and is stored unchanged.
  const valid = statementWith([...Buffer.from('é € 𝄞')]);
  const ok = await app.inject({
    method: 'POST',
    url: '/xAPI/statements',
    headers: xapiHeaders(),
    payload: valid,
  });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.deepEqual(producer.records[0]?.value.payload, valid);
});

test('edX: NDJSON and gzip NDJSON with one line that is not UTF-8 are refused whole', async () => {
  const { app, producer } = await testServer();
  const good = JSON.stringify({ username: 'u', event_type: 'play_video', event: '{}' });
  const bad = Buffer.concat([
    Buffer.from('{"username":"u","page":"https://x.example/caf'),
    Buffer.from([0xe9]),
    Buffer.from('"}'),
  ]);
  const body = Buffer.concat([Buffer.from(`${good}\n`), bad, Buffer.from(`\n${good}\n`)]);
  for (const gzip of [false, true]) {
    const res = await app.inject({
      method: 'POST',
      url: '/edx/events',
      headers: {
        authorization: EDX_ONLY,
        'content-type': 'application/x-ndjson',
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      },
      payload: gzip ? gzipSync(body) : body,
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().code, 'LRS_ERR_INVALID_UTF8');
  }
  assert.equal(producer.sends.length, 0);
});
