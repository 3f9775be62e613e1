// The edX endpoint, gzip, request limits and the Kafka-unavailable path, through inject().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { edxActorKey } from '@lrstream/domain';
import { EDX_ONLY, WRITER, metricValue, testServer, videoStatement, xapiHeaders } from './helpers.js';

const edxEvent = (userId: number, name = 'play_video') => ({
  username: `user${userId}`,
  event_type: name,
  event_source: 'browser',
  time: '2026-11-22T08:00:00.000000+00:00',
  context: { user_id: userId, course_id: 'course-v1:FUN+101+2026', org_id: 'FUN' },
  event: '{"id": "video-1", "currentTime": 12.5}',
});

const edxHeaders = (extra: Record<string, string> = {}) => ({
  authorization: EDX_ONLY,
  'content-type': 'application/x-ndjson',
  ...extra,
});

test('NDJSON: one record per line, byte-exact, blank lines skipped, malformed lines kept', async () => {
  const { app, producer, registry } = await testServer();
  const good1 = JSON.stringify(edxEvent(7));
  const prefixed = `Nov 22 08:00:00 lms-1 [service_variant=lms] ${JSON.stringify(edxEvent(8))}`;
  const malformed = '{"username": "user9", "event_type": "play_vid';
  const body = `${good1}\n\n   \r\n${prefixed}\r\n${malformed}\n`;
  const res = await app.inject({ method: 'POST', url: '/edx/events', headers: edxHeaders(), payload: body });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), { accepted: 3, blank: 2 });
  const records = producer.records;
  assert.deepEqual(
    records.map((r) => r.value.payload.toString()),
    [good1, prefixed, malformed],
  );
  assert.equal(records[0]?.key, edxActorKey(edxEvent(7)));
  assert.equal(records[1]?.key, edxActorKey(edxEvent(8)));
  assert.equal(records[2]?.key, records[2]?.value.event_id, 'no actor readable: keyed by event id');
  assert.ok(records.every((r) => r.value.format === 'edx' && r.value.producer === 'lms'));
  assert.ok(records.every((r) => r.value.xapi_version === null));
  assert.equal(await metricValue(registry, 'lrstream_ingest_events_accepted_total', { format: 'edx' }), 3);
});

test('a JSON array body: one record per element, with the element bytes', async () => {
  const { app, producer } = await testServer();
  const events = [edxEvent(1), edxEvent(2, 'pause_video')];
  const body = `[ ${JSON.stringify(events[0])} ,\n${JSON.stringify(events[1], null, 1)}]`;
  const res = await app.inject({
    method: 'POST',
    url: '/edx/events',
    headers: edxHeaders({ 'content-type': 'application/json' }),
    payload: body,
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(
    producer.records.map((r) => r.value.payload.toString()),
    [JSON.stringify(events[0]), JSON.stringify(events[1], null, 1)],
  );
  assert.equal(producer.records[1]?.key, edxActorKey(events[1]));
});

test('Content-Encoding: gzip is decoded; bad gzip is 400, other encodings 415', async () => {
  const { app, producer } = await testServer();
  const lines = [JSON.stringify(edxEvent(3)), JSON.stringify(edxEvent(4))];
  const res = await app.inject({
    method: 'POST',
    url: '/edx/events',
    headers: edxHeaders({ 'content-encoding': 'gzip' }),
    payload: gzipSync(lines.join('\n')),
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(
    producer.records.map((r) => r.value.payload.toString()),
    lines,
  );
  const xapi = await app.inject({
    method: 'POST',
    url: '/xAPI/statements',
    headers: xapiHeaders({ 'content-encoding': 'gzip' }),
    payload: gzipSync(JSON.stringify([videoStatement()])),
  });
  assert.equal(xapi.statusCode, 200, xapi.body);

  const bad = await app.inject({
    method: 'POST',
    url: '/edx/events',
    headers: edxHeaders({ 'content-encoding': 'gzip' }),
    payload: 'not gzip',
  });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().code, 'LRS_ERR_GZIP');
  const br = await app.inject({
    method: 'POST',
    url: '/edx/events',
    headers: edxHeaders({ 'content-encoding': 'br' }),
    payload: 'x',
  });
  assert.equal(br.statusCode, 415);
  assert.equal(producer.records.length, 3);
});

test('limits: body size (raw and decompressed), batch size, nesting depth, event size', async () => {
  const limits = { maxBodyBytes: 4096, maxStatements: 2, maxEdxEvents: 3, maxDepth: 8, maxEventBytes: 1500 };
  const { app, producer } = await testServer({ limits });
  const post = (url: string, payload: string | Buffer, headers: Record<string, string>) =>
    app.inject({ method: 'POST', url, headers, payload });

  const big = await post('/edx/events', 'x'.repeat(5000), edxHeaders());
  assert.equal(big.statusCode, 413);
  assert.equal(big.json().code, 'LRS_ERR_BODY_TOO_LARGE');
  const bomb = await post(
    '/edx/events',
    gzipSync('\n'.repeat(100_000)),
    edxHeaders({ 'content-encoding': 'gzip' }),
  );
  assert.equal(bomb.statusCode, 413, 'a small gzip that inflates beyond the limit');
  assert.equal(bomb.json().code, 'LRS_ERR_BODY_TOO_LARGE');

  const tooMany = await post('/xAPI/statements', JSON.stringify([{}, {}, {}]), xapiHeaders());
  assert.equal(tooMany.statusCode, 413);
  assert.equal(tooMany.json().code, 'LRS_ERR_BATCH_TOO_LARGE');
  const tooManyLines = await post('/edx/events', '{}\n{}\n{}\n{}\n', edxHeaders());
  assert.equal(tooManyLines.statusCode, 413);

  const deep = '{"a":'.repeat(9) + '1' + '}'.repeat(9);
  const deepXapi = await post('/xAPI/statements', deep, xapiHeaders());
  assert.equal(deepXapi.statusCode, 400);
  assert.equal(deepXapi.json().code, 'LRS_ERR_JSON_TOO_DEEP');
  const deepLine = await post('/edx/events', `{}\n${deep}\n`, edxHeaders());
  assert.equal(deepLine.statusCode, 400);
  assert.match(deepLine.json().message, /Line 2/);
  const depthOk = await post('/edx/events', '{"a":'.repeat(8) + '1' + '}'.repeat(8), edxHeaders());
  assert.equal(depthOk.statusCode, 200, 'exactly at the limit is accepted');

  const fat = await post('/edx/events', JSON.stringify({ event: 'y'.repeat(2000) }), edxHeaders());
  assert.equal(fat.statusCode, 413);
  assert.equal(fat.json().code, 'LRS_ERR_EVENT_TOO_LARGE');
  assert.equal(producer.records.length, 1);
});

test('Kafka unavailable: 503 with Retry-After, counted, heartbeat degraded until a write succeeds', async () => {
  const { app, producer, registry } = await testServer({
    sink: { retryAfterSeconds: 7, sendTimeoutMs: 100 },
  });
  const send = () =>
    app.inject({
      method: 'POST',
      url: '/xAPI/statements',
      headers: xapiHeaders(),
      payload: [videoStatement()],
    });

  producer.failWith = Object.assign(new Error('Connection error: connect ECONNREFUSED'), {
    name: 'KafkaJSConnectionError',
  });
  const down = await send();
  assert.equal(down.statusCode, 503);
  assert.equal(down.headers['retry-after'], '7');
  assert.equal(down.json().code, 'LRS_ERR_KAFKA_UNAVAILABLE');
  assert.equal((await app.inject({ method: 'GET', url: '/__heartbeat__' })).statusCode, 500);

  producer.failWith = undefined;
  producer.hang = true; // never acknowledged: the timeout answers 503 too
  const slow = await send();
  assert.equal(slow.statusCode, 503);
  assert.equal(await metricValue(registry, 'lrstream_ingest_kafka_unavailable_total'), 2);
  assert.equal(await metricValue(registry, 'lrstream_ingest_events_accepted_total'), 0);

  producer.hang = false;
  assert.equal((await send()).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: '/__heartbeat__' })).statusCode, 200);

  producer.failWith = new TypeError('a bug, not an outage');
  const bug = await send();
  assert.equal(bug.statusCode, 500);
  assert.equal(bug.json().code, 'LRS_ERR_INTERNAL');
  assert.equal(await metricValue(registry, 'lrstream_ingest_kafka_unavailable_total'), 2);
});

test('a large request is split into several acknowledged sends, all in order', async () => {
  const { app, producer } = await testServer({ sink: { maxBatchBytes: 2000 } });
  const lines = Array.from({ length: 20 }, (_, i) => JSON.stringify({ ...edxEvent(i), pad: randomUUID() }));
  const res = await app.inject({
    method: 'POST',
    url: '/edx/events',
    headers: edxHeaders(),
    payload: lines.join('\n'),
  });
  assert.equal(res.statusCode, 200);
  assert.ok(producer.sends.length > 1, `${producer.sends.length} sends`);
  assert.deepEqual(
    producer.records.map((r) => r.value.payload.toString()),
    lines,
  );
});

test('the edX route needs the edx/write scope', async () => {
  const { app, producer } = await testServer();
  const res = await app.inject({
    method: 'POST',
    url: '/edx/events',
    headers: edxHeaders({ authorization: WRITER }),
    payload: '{}',
  });
  assert.equal(res.statusCode, 403);
  assert.equal(producer.sends.length, 0);
});
