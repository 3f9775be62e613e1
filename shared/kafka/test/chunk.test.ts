import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunkMessages } from '../src/stage-loop.js';

const msg = (topic: string, key: string, bytes: number) => ({ topic, key, value: Buffer.alloc(bytes, 1) });

test('produce requests stay under the byte bound, order and every message kept', () => {
  const byTopic = new Map([
    ['a', [msg('a', '1', 400), msg('a', '2', 400), msg('a', '3', 400)]],
    ['b', [msg('b', '4', 100), msg('b', '5', 2000)]],
  ]);
  const chunks = chunkMessages(byTopic, 1000);
  const flat = chunks.flatMap((c) => c.map((m) => `${m.topic}:${m.key}`));
  assert.deepEqual(flat, ['a:1', 'a:2', 'a:3', 'b:4', 'b:5']);
  for (const chunk of chunks) {
    const size = chunk.reduce((s, m) => s + m.value.length + m.key.length, 0);
    assert.ok(size <= 1000 || chunk.length === 1, `chunk of ${size} bytes`);
  }
  assert.ok(chunks.length >= 3);
});

test('nothing to send gives no request', () => {
  assert.deepEqual(chunkMessages(new Map(), 1000), []);
});
