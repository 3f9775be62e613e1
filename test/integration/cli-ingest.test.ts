// `lrstream ingest file` writes every line of a tracking log (here gzipped) to the raw topic, and a
// line too large for a Kafka record to the dead-letter topic: every line ends in one place.
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
import { TOPICS, type DeadLetter, type RawEvent } from '@lrstream/schemas';
import { startGroupsAtTopicEnds, waitFor } from '@lrstream/test';

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
  const fileName = `tracking-${marker}.log.gz`;
  const file = join(dir, fileName);
  // Line 5 is larger than any Kafka record may be: it must end in the dead-letter topic.
  const huge = JSON.stringify({ event_type: 'page_close', marker, event: 'x'.repeat(1024 * 1024) });
  writeFileSync(file, gzipSync(lines.join('\n') + '\n\n' + huge + '\n'));

  // The reader's group starts where both topics end now: on a long-lived stack they may hold
  // millions of older records (reading them all took about the whole minute allowed below).
  const groupId = `cli-ingest-${marker}`;
  await startGroupsAtTopicEnds(process.env.KAFKA_BROKERS as string, [
    { groupId, topic: TOPICS.raw },
    { groupId, topic: TOPICS.deadLetterIdentified },
  ]);

  const run = await promisify(execFile)(process.execPath, [cli, 'ingest', 'file', file], {
    env: process.env,
  }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
  );
  assert.match(run.stdout, /5 lines read, 3 events sent to the raw topic, 1 blank, 1 too large/);
  assert.equal(run.code, 1, 'a line that could not be sent as an event is reported by the exit code');

  const kafka = createKafka({
    brokers: parseBrokers(process.env.KAFKA_BROKERS as string),
    clientId: `cli-ingest-${marker}`,
  });
  const codec = createSchemaCodec({ url: process.env.SCHEMA_REGISTRY_URL as string });
  const found: RawEvent[] = [];
  const letters: DeadLetter[] = [];
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPICS.raw, TOPICS.deadLetterIdentified], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      if (!message.value || !message.value.includes(marker)) return;
      if (topic === TOPICS.raw) found.push(await codec.decode<RawEvent>(message.value));
      else letters.push(await codec.decode<DeadLetter>(message.value));
    },
  });
  try {
    await waitFor(
      'three lines on the raw topic and one dead letter',
      async () => (found.length >= 3 && letters.length >= 1 ? true : undefined),
      { timeoutMs: 60_000 },
    );
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
    assert.equal(record.producer, fileName);
  }
  assert.equal(found.length, 3, 'the oversized line is not on the raw topic');
  const [letter] = letters;
  assert.equal(letter?.error_code, 'INGEST_EVENT_TOO_LARGE');
  assert.equal(letter?.stage, 'ingest');
  assert.match(letter?.error_message ?? '', new RegExp(`Line 5 of ${fileName}`));
});
