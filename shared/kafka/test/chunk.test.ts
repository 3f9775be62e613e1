import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunkMessages } from '../src/stage.js';

const msg = (key: string, bytes: number) => ({ key, value: Buffer.alloc(bytes, 1) });

test('produce requests stay under the byte bound, order and every message kept', () => {
  const byTopic = new Map([
    ['a', [msg('1', 400), msg('2', 400), msg('3', 400)]],
    ['b', [msg('4', 100), msg('5', 2000)]],
  ]);
  const chunks = chunkMessages(byTopic, 1000);
  const flat = chunks.flatMap((c) => c.flatMap((t) => t.messages.map((m) => `${t.topic}:${m.key}`)));
  assert.deepEqual(flat, ['a:1', 'a:2', 'a:3', 'b:4', 'b:5']);
  for (const chunk of chunks) {
    const size = chunk.reduce(
      (s, t) => s + t.messages.reduce((x, m) => x + m.value.length + m.key.length, 0),
      0,
    );
    const single = chunk.length === 1 && chunk[0]?.messages.length === 1;
    assert.ok(size <= 1000 || single, `chunk of ${size} bytes`);
  }
  assert.ok(chunks.length >= 3);
});

test('nothing to send gives no request', () => {
  assert.deepEqual(chunkMessages(new Map(), 1000), []);
});
