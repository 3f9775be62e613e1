// The xAPI statements resource through fastify inject(): auth, headers, ids, PUT rules, atomic mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { validateXapiStatement, xapiActorKey } from '@lrstream/domain';
import { EDX_ONLY, basic, metricValue, testServer, videoStatement, xapiHeaders } from './helpers.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('the fixture statement is valid xAPI (the atomic tests rely on it)', () => {
  assert.deepEqual(validateXapiStatement(videoStatement(randomUUID())), []);
});

test('no credentials, or wrong ones: 401 with WWW-Authenticate, nothing written', async () => {
  const { app, producer } = await testServer();
  for (const authorization of [undefined, basic('marsha', 'wrong'), basic('nobody', 'x'), 'Bearer abc']) {
    const headers: Record<string, string> = { ...xapiHeaders() };
    if (authorization) headers.authorization = authorization;
    else delete headers.authorization;
    const res = await app.inject({
      method: 'POST',
      url: '/xAPI/statements',
      headers,
      payload: videoStatement(),
    });
    assert.equal(res.statusCode, 401, String(authorization));
    assert.match(String(res.headers['www-authenticate']), /^Basic /);
    assert.equal(res.json().code, 'LRS_ERR_UNAUTHORIZED');
  }
  assert.equal(producer.sends.length, 0);
});

test('a client without the statements/write scope gets 403', async () => {
  const { app, producer } = await testServer();
  const res = await app.inject({
    method: 'POST',
    url: '/xAPI/statements',
    headers: xapiHeaders({ authorization: EDX_ONLY }),
    payload: videoStatement(),
  });
  assert.equal(res.statusCode, 403);
  assert.equal(res.json().code, 'LRS_ERR_FORBIDDEN');
  assert.equal(producer.sends.length, 0);
});

test('X-Experience-API-Version is required and must be 1.0.x; responses carry 1.0.3', async () => {
  const { app } = await testServer();
  for (const version of [undefined, '2.0.0', '0.95']) {
    const headers: Record<string, string> = xapiHeaders();
    if (version) headers['x-experience-api-version'] = version;
    else delete headers['x-experience-api-version'];
    const res = await app.inject({
      method: 'POST',
      url: '/xAPI/statements',
      headers,
      payload: videoStatement(),
    });
    assert.equal(res.statusCode, 400, String(version));
    assert.equal(res.json().code, 'LRS_ERR_XAPI_VERSION');
    assert.equal(res.headers['x-experience-api-version'], '1.0.3');
  }
  const ok = await app.inject({
    method: 'POST',
    url: '/xAPI/statements',
    headers: xapiHeaders({ 'x-experience-api-version': '1.0.1' }),
    payload: videoStatement(),
  });
  assert.equal(ok.statusCode, 200);
});

test('a single statement with an id: 200 [id], stored byte-exact with its actor key', async () => {
  const { app, producer, registry } = await testServer({ now: () => 1_700_000_000_000 });
  const id = randomUUID();
  // Odd spacing and key order must survive: the raw topic holds what was sent.
  const body = `  {"timestamp" : "2026-11-22T08:00:00Z",\n "id":"${id}", ${JSON.stringify(videoStatement()).slice(1)}\n`;
  const res = await app.inject({
    method: 'POST',
    url: '/xAPI/statements',
    headers: xapiHeaders(),
    payload: body,
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), [id]);
  const [record] = producer.records;
  assert.equal(producer.sends[0]?.topic, 'raw');
  assert.ok(record);
  assert.equal(record.value.payload.toString(), body.trim());
  assert.equal(record.key, xapiActorKey(videoStatement().actor));
  assert.equal(record.value.format, 'xapi');
  assert.equal(record.value.channel, 'http');
  assert.equal(record.value.producer, 'marsha');
  assert.equal(record.value.xapi_version, '1.0.3');
  assert.equal(record.value.received_at, 1_700_000_000_000);
  assert.equal(record.value.line_number, null);
  assert.match(record.value.event_id, UUID_V4);
  assert.equal(await metricValue(registry, 'lrstream_ingest_events_accepted_total', { format: 'xapi' }), 1);
  assert.equal(
    await metricValue(registry, 'lrstream_ingest_requests_total', {
      route: '/xAPI/statements',
      status: '200',
    }),
    1,
  );
});

test('an array: ids in order, missing ids generated (v4) and inserted into the stored bytes', async () => {
  const { app, producer } = await testServer();
  const given = randomUUID();
  const statements = [videoStatement(given), videoStatement(undefined, 'learner-2')];
  const body = JSON.stringify(statements, null, 2);
  const res = await app.inject({
    method: 'POST',
    url: '/xAPI/statements',
    headers: xapiHeaders(),
    payload: body,
  });
  assert.equal(res.statusCode, 200, res.body);
  const ids = res.json() as string[];
  assert.equal(ids.length, 2);
  assert.equal(ids[0], given);
  assert.match(ids[1] ?? '', UUID_V4);
  const [first, second] = producer.records;
  assert.equal(
    first?.value.payload.toString(),
    JSON.stringify(statements[0], null, 2).replace(/\n/g, '\n  '),
  );
  assert.deepEqual(JSON.parse(second?.value.payload.toString() ?? ''), { id: ids[1], ...statements[1] });
  assert.equal(second?.key, xapiActorKey(statements[1]?.actor));
  assert.notEqual(first?.value.event_id, second?.value.event_id);
});

test('envelope errors are 400 and write nothing: not JSON, not objects, bad or duplicate ids', async () => {
  const { app, producer } = await testServer();
  const id = randomUUID();
  const cases: [string, string][] = [
    ['{"actor":', 'LRS_ERR_JSON'],
    ['[1, 2]', 'LRS_ERR_NOT_A_STATEMENT'],
    [JSON.stringify({ ...videoStatement(), id: 'not-a-uuid' }), 'LRS_ERR_STATEMENT_ID'],
    [JSON.stringify([videoStatement(id), videoStatement(id.toUpperCase())]), 'LRS_ERR_DUPLICATE_ID'],
    ['', 'LRS_ERR_EMPTY_BODY'],
  ];
  for (const [payload, code] of cases) {
    const res = await app.inject({
      method: 'POST',
      url: '/xAPI/statements',
      headers: xapiHeaders(),
      payload,
    });
    assert.equal(res.statusCode, 400, payload);
    assert.equal(res.json().code, code, payload);
  }
  const unknownParam = await app.inject({
    method: 'POST',
    url: '/xAPI/statements?statementId=' + id,
    headers: xapiHeaders(),
    payload: videoStatement(),
  });
  assert.equal(unknownParam.statusCode, 400);
  assert.equal(unknownParam.json().code, 'LRS_ERR_QUERY_PARAM');
  assert.equal(producer.sends.length, 0);
});

test('PUT: 204; the id must match statementId; a missing id takes statementId', async () => {
  const { app, producer } = await testServer();
  const id = randomUUID();
  const put = (url: string, payload: unknown) =>
    app.inject({ method: 'PUT', url, headers: xapiHeaders(), payload: payload as object });

  const stored = await put(`/xAPI/statements?statementId=${id}`, videoStatement(id));
  assert.equal(stored.statusCode, 204, stored.body);
  assert.equal(stored.body, '');
  assert.equal(JSON.parse(producer.records[0]?.value.payload.toString() ?? '').id, id);

  const withoutId = await put(`/xAPI/statements?statementId=${id}`, videoStatement());
  assert.equal(withoutId.statusCode, 204);
  assert.equal(JSON.parse(producer.records[1]?.value.payload.toString() ?? '').id, id);

  const mismatch = await put(`/xAPI/statements?statementId=${id}`, videoStatement(randomUUID()));
  assert.equal(mismatch.statusCode, 400);
  assert.equal(mismatch.json().code, 'LRS_ERR_STATEMENT_ID_MISMATCH');
  const missing = await put('/xAPI/statements', videoStatement(id));
  assert.equal(missing.statusCode, 400);
  const notUuid = await put('/xAPI/statements?statementId=abc', videoStatement());
  assert.equal(notUuid.statusCode, 400);
  const array = await put(`/xAPI/statements?statementId=${id}`, [videoStatement(id)]);
  assert.equal(array.statusCode, 400);
  assert.equal(array.json().code, 'LRS_ERR_PUT_ARRAY');
  assert.equal(producer.records.length, 2);
});

test('default mode accepts a batch with an invalid statement; atomic mode rejects it whole', async () => {
  const invalid = { ...videoStatement(), verb: { id: 'not an IRI' } };
  const batch = [videoStatement(randomUUID()), invalid];

  const lenient = await testServer();
  const accepted = await lenient.app.inject({
    method: 'POST',
    url: '/xAPI/statements',
    headers: xapiHeaders(),
    payload: batch,
  });
  assert.equal(accepted.statusCode, 200);
  assert.equal(lenient.producer.records.length, 2);

  for (const [url, headers] of [
    ['/xAPI/statements', xapiHeaders({ 'x-lrstream-atomic': 'true' })],
    ['/xAPI/statements?atomic=true', xapiHeaders()],
  ] as const) {
    const atomic = await testServer();
    const res = await atomic.app.inject({ method: 'POST', url, headers, payload: batch });
    assert.equal(res.statusCode, 400, url);
    const body = res.json() as { code: string; issues: { pointer: string }[] };
    assert.equal(body.code, 'LRS_ERR_XAPI_INVALID');
    assert.ok(body.issues.length > 0);
    assert.ok(
      body.issues.every((i) => i.pointer.startsWith('/1')),
      JSON.stringify(body.issues),
    );
    assert.equal(atomic.producer.sends.length, 0);
    const valid = await atomic.app.inject({ method: 'POST', url, headers, payload: [videoStatement()] });
    assert.equal(valid.statusCode, 200, valid.body);
  }
});

test('GET /xAPI/about and the heartbeats need no credentials', async () => {
  const { app } = await testServer();
  const about = await app.inject({ method: 'GET', url: '/xAPI/about' });
  assert.equal(about.statusCode, 200);
  assert.deepEqual(about.json().version, ['1.0.3']);
  assert.equal(about.headers['x-experience-api-version'], '1.0.3');
  assert.equal((await app.inject({ method: 'GET', url: '/__heartbeat__' })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: '/__lbheartbeat__' })).statusCode, 200);
  const missing = await app.inject({ method: 'GET', url: '/nope' });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().code, 'LRS_ERR_NOT_FOUND');
});
