// ingestFiles: tracking logs, .gz, GELF and xAPI NDJSON read as bytes, line by line, in batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { edxActorKey, xapiActorKey } from '@lrstream/domain';
import { ingestFiles, splitLines } from '../src/files.js';
import { RecordingProducer, videoStatement } from './helpers.js';

const edx = (userId: number) =>
  JSON.stringify({ username: `u${userId}`, event_type: 'play_video', context: { user_id: userId } });

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ingest-files-'));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a tracking log and a .gz archive: records per line, byte-exact, numbered, in batches', () =>
  withDir(async (dir) => {
    // A Latin-1 byte (0xe9) is not UTF-8: the line must still be stored exactly as read.
    const latin1 = Buffer.concat([Buffer.from('{"username":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const plain = Buffer.concat([
      Buffer.from(`${edx(1)}\r\n\n{broken\n`),
      latin1,
      Buffer.from(`\nsyslog-prefix: ${edx(2)}`),
    ]);
    await writeFile(join(dir, 'tracking.log'), plain);
    await writeFile(join(dir, 'tracking.log.1.gz'), gzipSync(`${edx(3)}\n${edx(4)}\n`));
    const producer = new RecordingProducer();
    const progress: number[] = [];
    const counts = await ingestFiles([join(dir, 'tracking.log'), join(dir, 'tracking.log.1.gz')], {
      producer,
      batchSize: 2,
      onProgress: (p) => progress.push(p.accepted),
    });
    assert.deepEqual(counts, { lines: 7, accepted: 6, blank: 1, oversized: 0, archived: 0, skipped: 0 });
    const records = producer.records;
    assert.deepEqual(
      records.map((r) => [r.value.producer, r.value.line_number]),
      [
        ['tracking.log', 1],
        ['tracking.log', 3],
        ['tracking.log', 4],
        ['tracking.log', 5],
        ['tracking.log.1.gz', 1],
        ['tracking.log.1.gz', 2],
      ],
    );
    assert.equal(records[0]?.value.payload.toString(), edx(1), 'CRLF terminator removed');
    assert.ok(records[2]?.value.payload.equals(latin1));
    assert.equal(records[3]?.key, edxActorKey(JSON.parse(edx(2))));
    assert.equal(records[4]?.key, edxActorKey(JSON.parse(edx(3))));
    assert.ok(records.every((r) => r.value.channel === 'file' && r.value.format === 'edx'));
    assert.ok(producer.sends.length >= 3, 'batched sends');
    assert.ok(progress.length >= 3 && progress.at(-1) === 2, `per-file progress ${progress.join(',')}`);
  }));

test('auto format: xAPI NDJSON and GELF lines are told apart; an explicit format wins', () =>
  withDir(async (dir) => {
    const statement = JSON.stringify(videoStatement('2f2a4f8e-8c1a-4e7b-9a0d-3b5c6d7e8f90'));
    const gelf = JSON.stringify({ version: '1.1', host: 'lms', short_message: edx(5) });
    await writeFile(join(dir, 'mixed.ndjson'), `${statement}\n${gelf}\n`);
    const producer = new RecordingProducer();
    await ingestFiles([join(dir, 'mixed.ndjson')], { producer });
    assert.deepEqual(
      producer.records.map((r) => r.value.format),
      ['xapi', 'edx'],
    );
    assert.equal(producer.records[0]?.key, xapiActorKey(videoStatement().actor));
    assert.equal(
      producer.records[1]?.key,
      edxActorKey(JSON.parse(edx(5))),
      'GELF: the key of the inner event',
    );

    const forced = new RecordingProducer();
    await ingestFiles([join(dir, 'mixed.ndjson')], { producer: forced, format: 'xapi' });
    assert.deepEqual(
      forced.records.map((r) => r.value.format),
      ['xapi', 'xapi'],
    );
  }));

test('oversized lines are counted, not sent; a missing file rejects', () =>
  withDir(async (dir) => {
    await writeFile(join(dir, 'big.log'), `${edx(1)}\n${'x'.repeat(3000)}\n`);
    const producer = new RecordingProducer();
    const counts = await ingestFiles([join(dir, 'big.log')], { producer, maxEventBytes: 2000 });
    assert.deepEqual(counts, { lines: 2, accepted: 1, blank: 0, oversized: 1, archived: 0, skipped: 0 });
    await assert.rejects(ingestFiles([join(dir, 'absent.log')], { producer }), { code: 'ENOENT' });
  }));

test('splitLines joins lines cut across chunks', async () => {
  async function* chunks() {
    yield Buffer.from('ab');
    yield Buffer.from('c\nde');
    yield Buffer.from('f\r');
    yield Buffer.from('\n\ng');
  }
  const lines: string[] = [];
  for await (const line of splitLines(chunks())) lines.push(line.toString());
  assert.deepEqual(lines, ['abc', 'def', '', 'g']);
});
