// ingest under abuse, on the real stack: the service started in-process (startIngest) with short
// timeouts, a small connection cap and a small credential-verification queue, then driven over raw
// TCP sockets and HTTP from 127.0.0.1. Proves: a body trickled one byte at a time is cut at the
// request deadline; silent or slow headers at the headers deadline; an idle kept-alive connection
// at the keep-alive deadline; connections over the cap are closed at once; a wrong-password flood
// gets fast 503s while a cached valid client is still served; a body that is not UTF-8 is a 400
// and nothing of it reaches events.raw.v1. Bounded load: at most ~60 sockets and a 3 s flood.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { hashSecret, startIngest, type RunningIngest } from '@lrstream/ingest';
import { createKafka, createSchemaCodec, parseBrokers } from '@lrstream/kafka';
import { TOPICS, type RawEvent } from '@lrstream/schemas';
import { requiredEnv, startGroupAt, topicEnds } from '@lrstream/test';

const run = randomUUID().slice(0, 8);
const client = { username: `abuse-it-${run}`, secret: randomUUID() };
const late = { username: `abuse-late-${run}`, secret: randomUUID() };
const basic = (c: { username: string; secret: string }) =>
  `Basic ${Buffer.from(`${c.username}:${c.secret}`).toString('base64')}`;

const HEADERS_TIMEOUT_MS = 1500;
const REQUEST_TIMEOUT_MS = 2500;
const KEEP_ALIVE_TIMEOUT_MS = 1000;
const MAX_CONNECTIONS = 40;
/** Generous: the deadline, plus the server's check interval, plus a loaded 2-core machine. */
const SLACK_MS = 3000;

function statement(marker: string): Record<string, unknown> {
  return {
    id: randomUUID(),
    actor: { objectType: 'Agent', account: { name: `learner-${run}`, homePage: 'https://marsha.example' } },
    verb: { id: 'https://w3id.org/xapi/video/verbs/played', display: { 'en-US': 'played' } },
    object: { id: `https://marsha.example/videos/${marker}`, objectType: 'Activity' },
    timestamp: new Date().toISOString(),
  };
}

const xapiHeaders = (authorization: string) => ({
  authorization,
  'content-type': 'application/json',
  'x-experience-api-version': '1.0.3',
});

/** Every socket a test opened: destroyed at the end, so a failed test leaves nothing trickling. */
const opened: Socket[] = [];

interface SocketEnd {
  afterMs: number;
  received: string;
}

/** Opens a socket to the ingest port; resolves when the server closes it (or rejects at `watchdogMs`). */
function openSocket(url: string): { socket: Socket; connected: Promise<void>; closed: Promise<SocketEnd> } {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  opened.push(socket);
  const started = Date.now();
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined); // a reset is one way of being closed
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const closed = new Promise<SocketEnd>((resolve) =>
    socket.once('close', () => resolve({ afterMs: Date.now() - started, received })),
  );
  return { socket, connected, closed };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: still open after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Writes `text` one byte every `everyMs` until the socket closes; returns the bytes written. */
function trickle(socket: Socket, text: string, everyMs: number): () => number {
  let sent = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || sent >= text.length) return clearInterval(timer);
    socket.write(text.charAt(sent));
    sent += 1;
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
  return () => sent;
}

async function metric(ingest: RunningIngest, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(ingest.metricsUrl)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** Every record of events.raw.v1 between `from` and `to` (per partition) whose payload holds `marker`. */
async function rawRecordsWith(
  marker: string,
  from: Map<number, string>,
  to: Map<number, string>,
): Promise<RawEvent[]> {
  const brokers = requiredEnv('KAFKA_BROKERS');
  const remaining = new Set(
    [...to].filter(([partition, end]) => BigInt(end) > BigInt(from.get(partition) ?? '0')).map(([p]) => p),
  );
  if (remaining.size === 0) return [];
  const groupId = `abuse-it-${run}-${randomUUID().slice(0, 4)}`;
  await startGroupAt(brokers, groupId, TOPICS.raw, from);
  const kafka = createKafka({ brokers: parseBrokers(brokers), clientId: `abuse-it-${run}` });
  const codec = createSchemaCodec({ url: requiredEnv('SCHEMA_REGISTRY_URL') });
  const consumer = kafka.consumer({ groupId });
  const bytes = Buffer.from(marker);
  const found: RawEvent[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPICS.raw, fromBeginning: true });
    await within(
      new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachMessage: async ({ partition, message }) => {
              if (message.value?.includes(bytes)) found.push(await codec.decode<RawEvent>(message.value));
              if (BigInt(message.offset) + 1n >= BigInt(to.get(partition) ?? '0'))
                remaining.delete(partition);
              if (remaining.size === 0) resolve();
            },
          })
          .catch(reject);
      }),
      120_000,
      'reading events.raw.v1',
    );
  } finally {
    await consumer.disconnect();
  }
  return found;
}

describe('ingest under abuse (real server, real Kafka)', () => {
  let ingest: RunningIngest;
  let dir: string;

  before(async () => {
    process.env.LOG_LEVEL ??= 'warn';
    dir = await mkdtemp(join(tmpdir(), 'ingest-abuse-'));
    const authFile = join(dir, 'auth.json');
    // Production scrypt cost (N=2^15): the flood must be expensive for the server, as it is in real life.
    const entries = await Promise.all(
      [client, late].map(async (c) => ({
        username: c.username,
        hash: await hashSecret(c.secret),
        scopes: ['statements/write', 'edx/write'],
      })),
    );
    await writeFile(authFile, JSON.stringify(entries));
    ingest = await startIngest({
      KAFKA_BROKERS: requiredEnv('KAFKA_BROKERS'),
      SCHEMA_REGISTRY_URL: requiredEnv('SCHEMA_REGISTRY_URL'),
      INGEST_PORT: '0',
      METRICS_PORT: '0',
      INGEST_AUTH_FILE: authFile,
      INGEST_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      INGEST_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      INGEST_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
      INGEST_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
      INGEST_AUTH_MAX_CONCURRENT: '2',
      INGEST_AUTH_MAX_QUEUED: '4',
      INGEST_RETRY_AFTER_S: '2',
    });
  });

  after(async () => {
    for (const socket of opened) socket.destroy();
    await ingest?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('a body trickled one byte every 250 ms is cut at the request deadline with 408', async () => {
    const { socket, connected, closed } = openSocket(ingest.url);
    await connected;
    socket.write(
      `POST /edx/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basic(client)}\r\n` +
        'Content-Type: application/x-ndjson\r\nContent-Length: 1000\r\n\r\n',
    );
    const sent = trickle(socket, 'x'.repeat(1000), 250);
    const end = await within(closed, REQUEST_TIMEOUT_MS + SLACK_MS, 'slow-body connection');
    assert.ok(
      end.afterMs >= REQUEST_TIMEOUT_MS - 200,
      `cut after ${end.afterMs} ms: not before the deadline`,
    );
    assert.ok(sent() < 1000, 'cut before the body was complete');
    assert.match(end.received, /^HTTP\/1\.1 408 /);
    assert.match(end.received, /"code":"LRS_ERR_REQUEST_TIMEOUT"/);
    assert.ok(
      (await metric(ingest, 'lrstream_ingest_rejected_requests_total', {
        code: 'LRS_ERR_REQUEST_TIMEOUT',
      })) >= 1,
    );
  });

  test('a silent connection and headers trickled byte by byte are cut at the headers deadline', async () => {
    const silent = openSocket(ingest.url);
    const slow = openSocket(ingest.url);
    await Promise.all([silent.connected, slow.connected]);
    trickle(
      slow.socket,
      `GET /xAPI/about HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ${'a'.repeat(200)}\r\n\r\n`,
      100,
    );
    const [a, b] = await Promise.all([
      within(silent.closed, HEADERS_TIMEOUT_MS + SLACK_MS, 'silent connection'),
      within(slow.closed, HEADERS_TIMEOUT_MS + SLACK_MS, 'slow-headers connection'),
    ]);
    for (const end of [a, b])
      assert.ok(end.afterMs >= HEADERS_TIMEOUT_MS - 200, `cut after ${end.afterMs} ms`);
  });

  test('an idle kept-alive connection is closed after the keep-alive timeout', async () => {
    const { socket, connected, closed } = openSocket(ingest.url);
    await connected;
    socket.write('GET /xAPI/about HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const end = await within(closed, KEEP_ALIVE_TIMEOUT_MS + SLACK_MS, 'kept-alive connection');
    assert.match(end.received, /^HTTP\/1\.1 200 /, 'the request was answered first');
    assert.ok(end.afterMs >= KEEP_ALIVE_TIMEOUT_MS - 200, `closed after ${end.afterMs} ms`);
  });

  test('connections over the cap are closed at once; the service answers again when they are gone', async () => {
    const held = Array.from({ length: MAX_CONNECTIONS }, () => openSocket(ingest.url));
    await Promise.all(held.map((h) => h.connected));
    // Held open with a partial request; the server counts them.
    for (const h of held) h.socket.write('GET /xAPI/about HTTP/1.1\r\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const dropsBefore = await metric(ingest, 'lrstream_ingest_connections_dropped_total', {});
    const extra = Array.from({ length: 10 }, () => openSocket(ingest.url));
    const ends = await Promise.all(extra.map((e) => within(e.closed, 1000, 'connection over the cap')));
    for (const end of ends) assert.equal(end.received, '', 'closed without an answer');
    assert.ok(
      (await metric(ingest, 'lrstream_ingest_connections_dropped_total', {})) - dropsBefore >= 10,
      'every dropped connection counted',
    );
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.closed));
    const about = await fetch(`${ingest.url}/xAPI/about`);
    assert.equal(about.status, 200);
  });

  test('a wrong-password flood gets fast 503s (bounded queue) while a cached valid client is served', async (t) => {
    const statementsUrl = `${ingest.url}/xAPI/statements`;
    const post = async (authorization: string) => {
      const started = performance.now();
      const res = await fetch(statementsUrl, {
        method: 'POST',
        headers: xapiHeaders(authorization),
        body: JSON.stringify(statement(`flood-${run}`)),
      });
      const body = (await res.json()) as { code?: string };
      return {
        status: res.status,
        code: body.code,
        retryAfter: res.headers.get('retry-after'),
        ms: performance.now() - started,
      };
    };
    const warm = await post(basic(client));
    assert.equal(warm.status, 200, 'the valid client is verified once and cached');

    // 30 attackers, each looping for 3 s: a slot that frees is taken again at once.
    const statuses = new Map<string, number>();
    let busyWithoutRetryAfter = 0;
    const stopAt = Date.now() + 3000;
    const flood = Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        while (Date.now() < stopAt) {
          const r = await post(basic({ username: client.username, secret: `wrong-${i}` }));
          const key = `${r.status} ${r.code ?? ''}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
          if (r.status === 503 && r.retryAfter !== '2') busyWithoutRetryAfter += 1;
          if (r.status === 503) await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the flood is at full strength
    const queuedDuringFlood = await metric(ingest, 'lrstream_ingest_auth_verifications', { state: 'queued' });
    const cached = await post(basic(client));
    const uncached = await post(basic(late));
    await flood;

    const figure =
      `during the flood: cached valid login ${cached.status} in ${cached.ms.toFixed(0)} ms; ` +
      `uncached valid login ${uncached.status} ${uncached.code ?? ''} in ${uncached.ms.toFixed(0)} ms; ` +
      `flood answers ${JSON.stringify([...statuses])}; queued verifications ${queuedDuringFlood}`;
    t.diagnostic(figure);
    console.log(figure);
    assert.equal(cached.status, 200, 'the cached client is not stuck behind the flood');
    assert.ok(cached.ms < 5000, `cached login took ${cached.ms} ms`);
    // The uncached client is answered promptly: verified (200) or told to retry (503), never left waiting.
    assert.ok(uncached.status === 200 || (uncached.status === 503 && uncached.code === 'LRS_ERR_AUTH_BUSY'));
    assert.ok(uncached.ms < 5000, `uncached login took ${uncached.ms} ms`);
    assert.ok((statuses.get('503 LRS_ERR_AUTH_BUSY') ?? 0) > 0, 'the full queue refuses with 503');
    assert.ok((statuses.get('401 LRS_ERR_UNAUTHORIZED') ?? 0) > 0, 'queued wrong passwords are still 401');
    assert.deepEqual(
      [...statuses.keys()].sort(),
      ['401 LRS_ERR_UNAUTHORIZED', '503 LRS_ERR_AUTH_BUSY'],
      'nothing else',
    );
    assert.equal(busyWithoutRetryAfter, 0, 'every 503 carries Retry-After');
    assert.ok(queuedDuringFlood >= 1 && queuedDuringFlood <= 4, `queue depth gauge: ${queuedDuringFlood}`);
    assert.ok(
      (await metric(ingest, 'lrstream_ingest_rejected_requests_total', { code: 'LRS_ERR_AUTH_BUSY' })) > 0,
    );
    // After the flood the late client gets in.
    const retried = await post(basic(late));
    assert.equal(retried.status, 200);
  });

  test('a body that is not UTF-8 (plain or gzip) is a 400 and nothing of it reaches Kafka', async () => {
    const brokers = requiredEnv('KAFKA_BROKERS');
    const start = await topicEnds(brokers, TOPICS.raw);
    const bad = `bad-utf8-${run}`;
    const invalid = (text: string) => {
      const [head, tail] = text.split('\u00e9');
      return Buffer.concat([Buffer.from(head ?? ''), Buffer.from([0xe9]), Buffer.from(tail ?? '')]);
    };
    const xapiBody = invalid(JSON.stringify(statement(`${bad}-caf\u00e9`)));
    const edxBody = invalid(
      `${JSON.stringify({ username: bad, event_type: 'play_video', page: `https://x.example/caf\u00e9` })}\n`,
    );
    const attempts: Array<{ url: string; headers: Record<string, string>; body: Buffer }> = [
      { url: '/xAPI/statements', headers: xapiHeaders(basic(client)), body: xapiBody },
      {
        url: '/xAPI/statements',
        headers: { ...xapiHeaders(basic(client)), 'content-encoding': 'gzip' },
        body: gzipSync(xapiBody),
      },
      {
        url: '/edx/events',
        headers: { authorization: basic(client), 'content-type': 'application/x-ndjson' },
        body: edxBody,
      },
      {
        url: '/edx/events',
        headers: {
          authorization: basic(client),
          'content-type': 'application/x-ndjson',
          'content-encoding': 'gzip',
        },
        body: gzipSync(edxBody),
      },
    ];
    for (const a of attempts) {
      const res = await fetch(`${ingest.url}${a.url}`, { method: 'POST', headers: a.headers, body: a.body });
      assert.equal(res.status, 400, `${a.url} ${JSON.stringify(a.headers)}`);
      assert.equal(((await res.json()) as { code: string }).code, 'LRS_ERR_INVALID_UTF8');
    }
    // The same bodies, valid, are accepted: the refusal is about the bytes, nothing else.
    const ok = await fetch(`${ingest.url}/xAPI/statements`, {
      method: 'POST',
      headers: xapiHeaders(basic(client)),
      body: JSON.stringify(statement(`${bad}-caf\u00e9`)),
    });
    assert.equal(ok.status, 200);
    const records = await rawRecordsWith(bad, start, await topicEnds(brokers, TOPICS.raw));
    assert.equal(records.length, 1, 'only the valid statement was written');
    assert.match(records[0]?.payload.toString('utf8') ?? '', /caf\u00e9/);
  });
});
