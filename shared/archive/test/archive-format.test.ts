// The archive's object names, envelopes and manifests, and where a partition resumes, on the
// directory store (no infrastructure).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  adoptObjectAt,
  buildObject,
  createDirStore,
  envelopeLine,
  exactUtf8,
  hoursBetween,
  objectKey,
  objectLines,
  parseArchiveTime,
  parseEnvelope,
  parseObjectKey,
  readManifest,
  resumePoint,
  stateKey,
  writeObject,
  type ArchiveRecord,
} from '../src/index.js';

const T = Date.UTC(2026, 11, 4, 13, 30);

test('object names: hour from the UTC timestamp, zero-padded offsets that sort, parse back', () => {
  const key = objectKey({
    topic: 'events.raw.v1',
    dt: '2026-12-04',
    hour: 3,
    partition: 5,
    start: 7,
    end: 1042,
  });
  assert.equal(
    key,
    'events.raw.v1/dt=2026-12-04/hour=03/events.raw.v1+5+00000000000000000007+00000000000000001042.ndjson.gz',
  );
  assert.deepEqual(parseObjectKey(key), {
    topic: 'events.raw.v1',
    dt: '2026-12-04',
    hour: 3,
    partition: 5,
    start: 7,
    end: 1042,
  });
  const a = objectKey({ topic: 't', dt: '2026-12-04', hour: 3, partition: 0, start: 9, end: 9 });
  const b = objectKey({ topic: 't', dt: '2026-12-04', hour: 3, partition: 0, start: 10, end: 11 });
  assert.ok(a < b, 'names sort by offset');
  assert.equal(parseObjectKey('events.raw.v1/_state/events.raw.v1+5.json'), undefined);
  assert.equal(
    parseObjectKey('a/dt=2026-12-04/hour=03/b+0+00000000000000000001+00000000000000000002.ndjson.gz'),
    undefined,
  );
  assert.throws(() => objectKey({ topic: 't', dt: '2026-12-04', hour: 3, partition: 0, start: 5, end: 4 }));
});

test('an object never straddles an hour and a retry of the same lines gives the same name and bytes', () => {
  const lines = [0, 1, 2].map((i) => ({ offset: 100 + i, timestamp: T - 10 + i, line: `{"n":${i}}\n` }));
  const one = buildObject('t', 2, lines);
  const two = buildObject(
    't',
    2,
    lines.map((l) => ({ ...l })),
  );
  assert.equal(one.key, two.key);
  assert.ok(one.body.equals(two.body));
  assert.equal(one.entry.sha256, two.entry.sha256);
  assert.equal(one.name.hour, 13);
  assert.equal(one.entry.records, 3);
  assert.deepEqual(objectLines(one.body), ['{"n":0}', '{"n":1}', '{"n":2}']);
});

test('envelopes round-trip arbitrary bytes exactly (payloads, keys, nested bytes)', () => {
  const samples: Buffer[] = [
    Buffer.from('{"username":"ada","event":"{\\"a\\":1}"}\n'),
    Buffer.from('caf\u00e9 \ud83d\ude00 \ufffd literal replacement char', 'utf8'),
    Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3]), // invalid UTF-8
    Buffer.from([0xef, 0xbf, 0xbd]), // U+FFFD itself, valid
    Buffer.from([0xed, 0xa0, 0x80]), // a lone surrogate: invalid UTF-8
    Buffer.alloc(0),
  ];
  for (let i = 0; i < 200; i += 1) samples.push(randomBytes(1 + (i % 64)));
  for (const payload of samples) {
    const record: ArchiveRecord = {
      topic: 'events.raw.v1',
      partition: 1,
      offset: 42,
      timestamp: T,
      key: payload.length % 2 === 0 ? payload : Buffer.from('learner-key'),
      schemaId: 7,
      value: { event_id: 'e', payload, nested: { list: [payload] }, line_number: null },
    };
    const line = envelopeLine(record);
    assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
    const back = parseEnvelope(line);
    const value = back.value as { payload: Buffer; nested: { list: Buffer[] }; line_number: null };
    assert.ok(Buffer.isBuffer(value.payload));
    assert.ok(value.payload.equals(payload), `payload ${payload.toString('hex')}`);
    assert.ok(value.nested.list[0]!.equals(payload));
    assert.equal(value.line_number, null);
    assert.ok(back.key!.equals(record.key!));
    assert.equal(back.envelope.offset, 42);
  }
  // Valid UTF-8 is written as readable text, with its flag.
  const text = JSON.parse(
    envelopeLine({
      topic: 't',
      partition: 0,
      offset: 0,
      timestamp: T,
      key: null,
      schemaId: 1,
      value: { payload: samples[0] },
    }),
  );
  assert.equal(text.value.payload, samples[0]!.toString('utf8'));
  assert.deepEqual(text.bytes, { '/payload': 'utf8' });
  assert.equal(exactUtf8(Buffer.from([0xff])), undefined);
});

test('a record that did not decode is archived with its bytes and code', () => {
  const raw = Buffer.from([0, 0, 0, 0, 9, 1, 2, 3]);
  const line = envelopeLine({
    topic: 't',
    partition: 0,
    offset: 5,
    timestamp: T,
    key: null,
    schemaId: 9,
    rawValue: raw,
    decodeError: 'LRS_ERR_AVRO_DECODE',
  });
  const back = parseEnvelope(line);
  assert.equal(back.value, undefined);
  assert.equal(back.envelope.decode_error, 'LRS_ERR_AVRO_DECODE');
  assert.ok(Buffer.from(back.envelope.value_base64!, 'base64').equals(raw));
});

test('--from/--to: dates, hours and timestamps in UTC; hours between bounds', () => {
  assert.equal(parseArchiveTime('2026-12-04'), Date.UTC(2026, 11, 4));
  assert.equal(parseArchiveTime('2026-12-04T13'), Date.UTC(2026, 11, 4, 13));
  assert.equal(parseArchiveTime('2026-12-04T13:30'), Date.UTC(2026, 11, 4, 13, 30));
  assert.throws(() => parseArchiveTime('yesterday'));
  const hours = hoursBetween(Date.UTC(2026, 11, 4, 13, 30), Date.UTC(2026, 11, 4, 15));
  assert.deepEqual(hours, [Date.UTC(2026, 11, 4, 13), Date.UTC(2026, 11, 4, 14)]);
});

test('manifests and resume: state after each object; a crash before the manifest is adopted from the store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'archive-unit-'));
  try {
    const store = createDirStore(dir);
    assert.deepEqual(await resumePoint(store, 't', 0), { end: undefined, source: 'none' });
    const mk = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        offset: from + i,
        timestamp: T + i,
        line: `{"o":${from + i}}\n`,
      }));
    const first = buildObject('t', 0, mk(0, 10));
    await writeObject(store, first);
    assert.deepEqual(await resumePoint(store, 't', 0), { end: 9, source: 'state' });

    // A crash after the object's PUT, before its manifest entry and state: the store still ends at 9
    // by its state, and the next start finds the object at offset 10 and adopts it.
    const second = buildObject('t', 0, mk(10, 5));
    await store.put(second.key, second.body);
    assert.equal((await resumePoint(store, 't', 0)).end, 9);
    const adopted = await adoptObjectAt(store, 't', 0, 10, T + 10);
    assert.equal(adopted?.end, 14);
    assert.equal((await resumePoint(store, 't', 0)).end, 14);
    assert.equal(await adoptObjectAt(store, 't', 0, 15, T + 15), undefined);
    const manifest = await readManifest(store, 't', '2026-12-04', 13, 0);
    assert.deepEqual(
      manifest?.objects.map((o) => [
        o.start,
        o.end,
        o.records,
        o.sha256 === second.entry.sha256 || o.start === 0,
      ]),
      [
        [0, 9, 10, true],
        [10, 14, 5, true],
      ],
    );

    // The state deleted: the listing of the topic's objects says where the partition ends.
    await store.delete(stateKey('t', 0));
    assert.deepEqual(await resumePoint(store, 't', 0), { end: 14, source: 'listing' });
    assert.deepEqual(await resumePoint(store, 't', 1), { end: undefined, source: 'none' });

    // Rewriting the same range replaces the object and its entry: nothing doubled.
    await writeObject(store, buildObject('t', 0, mk(0, 10)));
    const again = await readManifest(store, 't', '2026-12-04', 13, 0);
    assert.equal(again?.objects.length, 2);
    assert.equal(
      readdirSync(join(dir, 't', 'dt=2026-12-04', 'hour=13')).filter((f) => f.endsWith('.gz')).length,
      2,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dir store: atomic put, sorted list by prefix, missing objects, refuses bad keys', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'archive-store-'));
  try {
    const store = createDirStore(dir);
    await store.put('a/b/2', Buffer.from('two'));
    await store.put('a/b/1', Buffer.from('one'));
    await store.put('a/c', Buffer.from('c'));
    await store.put('a/b/1', Buffer.from('uno'));
    assert.deepEqual(
      (await store.list('a/b/')).map((o) => [o.key, o.size]),
      [
        ['a/b/1', 3],
        ['a/b/2', 3],
      ],
    );
    assert.deepEqual(
      (await store.list('a/')).map((o) => o.key),
      ['a/b/1', 'a/b/2', 'a/c'],
    );
    assert.equal((await store.get('a/b/1'))?.toString(), 'uno');
    assert.equal(await store.get('nope/x'), undefined);
    assert.equal(await store.head('a/nope'), undefined);
    assert.deepEqual(await store.list('zzz/'), []);
    await store.delete('a/c');
    assert.equal(await store.head('a/c'), undefined);
    await assert.rejects(store.put('../escape', Buffer.from('x')), /not an archive key/);
    assert.ok(!readdirSync(join(dir, 'a', 'b')).some((f) => f.startsWith('.tmp-')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
