// `lrstream ingest file` writes every line of a tracking log (here gzipped) to the raw topic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { createKafka, createSchemaCodec, parseBrokers } from '@lrstream/kafka';
import { TOPICS, type RawEvent } from '@lrstream/schemas';
import { waitFor } from '@lrstream/test';

const cli = fileURLToPath(new URL('../../shared/cli/bin/lrstream.js', import.meta.url));

test('lrstream ingest file: a .gz tracking log lands line by line in the raw topic', async () => {
  for (const name of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL']) assert.ok(process.env[name], `${name} is set`);
  const marker = randomUUID();
  const lines = [0, 1, 2].map((i) =>
    JSON.stringify({
      event_type: 'play_video',
      event_source: 'browser',
      username: `u${i}`,
      time: '2026-11-22T08:00:00+00:00',
      marker,
      event: '{}',
    }),
  );
  const dir = mkdtempSync(join(tmpdir(), 'lrstream-cli-ingest-'));
  const file = join(dir, 'tracking.log.gz');
  writeFileSync(file, gzipSync(lines.join('\n') + '\n\n'));

  const { stdout } = await promisify(execFile)(process.execPath, [cli, 'ingest', 'file', file], {
    env: process.env,
  });
  assert.match(stdout, /4 lines read, 3 events sent to the raw topic, 1 blank/);

  const kafka = createKafka({
    brokers: parseBrokers(process.env.KAFKA_BROKERS as string),
    clientId: `cli-ingest-${marker}`,
  });
  const codec = createSchemaCodec({ url: process.env.SCHEMA_REGISTRY_URL as string });
  const found: RawEvent[] = [];
  const consumer = kafka.consumer({ groupId: `cli-ingest-${marker}` });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.raw, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (!message.value || !message.value.includes(marker)) return;
      found.push(await codec.decode<RawEvent>(message.value));
    },
  });
  try {
    await waitFor('the three lines on the raw topic', async () => (found.length >= 3 ? true : undefined), {
      timeoutMs: 60_000,
    });
  } finally {
    await consumer.disconnect();
  }
  const byLine = new Map(found.map((r) => [r.line_number, r]));
  for (const [i, line] of lines.entries()) {
    const record = byLine.get(i + 1);
    assert.ok(record, `line ${i + 1} present`);
    assert.equal(Buffer.from(record.payload).toString('utf8'), line, 'exact bytes');
    assert.equal(record.channel, 'file');
    assert.equal(record.format, 'edx');
    assert.equal(record.producer, 'tracking.log.gz');
  }
});
