// `lrstream ingest file` on an archive object: each raw record goes back as it was (event id,
// receipt time, exact payload bytes, key); envelopes of another topic or undecodable are skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildObject, envelopeLine } from '@lrstream/archive';
import { ingestFiles } from '../src/files.js';

test('archive objects are read back as the raw records they hold', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ingest-archive-'));
  try {
    const payload = Buffer.from([0x7b, 0xff, 0x00, 0x7d]); // not UTF-8: written as base64
    const raw = (i: number) => ({
      event_id: `e-${i}`,
      received_at: 1_700_000_000_000 + i,
      format: 'edx',
      channel: 'http',
      producer: 'p',
      payload: i === 0 ? payload : Buffer.from(`{"n":${i}}`),
      line_number: null,
      xapi_version: null,
    });
    const t = Date.UTC(2026, 11, 4, 10);
    const lines = [0, 1, 2].map((i) => ({
      offset: i,
      timestamp: t,
      line: envelopeLine({
        topic: 'events.raw.v1',
        partition: 0,
        offset: i,
        timestamp: t,
        key: Buffer.from(`k${i}`),
        schemaId: 1,
        value: raw(i),
      }),
    }));
    lines.push({
      offset: 3,
      timestamp: t,
      line: envelopeLine({
        topic: 'events.raw.v1',
        partition: 0,
        offset: 3,
        timestamp: t,
        key: null,
        schemaId: null,
        rawValue: Buffer.from('x'),
        decodeError: 'LRS_ERR_NOT_AVRO',
      }),
    });
    const file = join(dir, 'object.ndjson.gz');
    writeFileSync(file, buildObject('events.raw.v1', 0, lines).body);
    const sent: { key: string; value: Record<string, unknown> }[] = [];
    const counts = await ingestFiles([file], {
      producer: { send: async (_topic, messages) => void sent.push(...(messages as typeof sent)) },
    });
    assert.equal(counts.archived, 3);
    assert.equal(counts.skipped, 1);
    assert.deepEqual(
      sent.map((m) => [m.key, m.value.event_id, m.value.received_at]),
      [
        ['k0', 'e-0', 1_700_000_000_000],
        ['k1', 'e-1', 1_700_000_000_001],
        ['k2', 'e-2', 1_700_000_000_002],
      ],
    );
    assert.ok((sent[0]!.value.payload as Buffer).equals(payload));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
