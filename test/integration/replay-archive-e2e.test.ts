// End to end: raw records -> the pipeline (validate, convert, anonymize, index) and the archive
// service; then a fresh index generation (new index prefix, fresh consumer groups started at the
// raw topic's end, as an operator rebuilding would) and `lrstream replay archive` for the hour:
// exactly the N statements are indexed; a second replay leaves exactly N documents (event ids are
// kept, statement ids and document ids are deterministic). The records carry Kafka times in a
// random hour of 2001, so the replayed hour holds only this test's records.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  keyedStatementIds,
  privateHour,
  produceRawStatements,
  readArchive,
  REPO_ROOT,
  requiredEnv,
  startArchiveProcess,
  startInProcessPipeline,
  storeOf,
  waitFor,
  type ArchiveProcess,
  type InProcessPipeline,
} from '@lrstream/test';

const run = randomBytes(4).toString('hex');
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
});

/** Documents of the run's indices holding these statements (hits, not distinct ids). */
async function documentsOf(pipeline: InProcessPipeline, statementIds: string[]): Promise<number> {
  const keyed = [...keyedStatementIds(statementIds, pipeline.env.ANONYMIZE_KEY_FILE!).keys()];
  await pipeline.es.indices.refresh({ index: `${pipeline.indexPrefix}*`, ignore_unavailable: true });
  let hits = 0;
  for (let i = 0; i < keyed.length; i += 1000) {
    const r = await pipeline.es.count({
      index: `${pipeline.indexPrefix}*`,
      ignore_unavailable: true,
      query: { ids: { values: keyed.slice(i, i + 1000) } },
    });
    hits += r.count;
  }
  return hits;
}

async function indexProduced(pipeline: InProcessPipeline): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${pipeline.services.index!.metricsPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('lrstream_index_events_produced_total{'));
  return Number(line?.split(' ').pop() ?? 0);
}

function replayArchive(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'shared/cli/bin/lrstream.js'), 'replay', 'archive', ...args],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code: code ?? 1, out, err }));
  });
}

test(
  'archived events re-injected into a fresh index generation: exactly N, twice',
  { timeout: 300_000 },
  async () => {
    const n = Number(process.env.ARCHIVE_E2E_EVENTS ?? 500);
    const platformUrl = 'https://lms.example.org';
    const dir = mkdtempSync(join(tmpdir(), `lrstream-archive-e2e-${run}-`));
    const storeEnv = { ARCHIVE_STORE: 'dir', ARCHIVE_DIR: join(dir, 'archive') };
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const archive: ArchiveProcess = await startArchiveProcess(
      {
        ...process.env,
        KAFKA_BROKERS: requiredEnv('KAFKA_BROKERS'),
        SCHEMA_REGISTRY_URL: requiredEnv('SCHEMA_REGISTRY_URL'),
        GROUP_ID: `archive-e2e-${run}`,
        START_FROM: 'latest',
        ARCHIVE_FLUSH_INTERVAL_MS: '1000',
        ...storeEnv,
      },
      join(dir, 'archive.log'),
    );
    cleanup.push(() => archive.kill());

    // Generation 1: the live pipeline indexes the events while the archive keeps them.
    const first = await startInProcessPipeline({
      name: 'arce2e',
      run: `${run}a`,
      platformUrl,
      startFrom: 'latest',
    });
    cleanup.push(() => first.stop());
    const hour = privateHour();
    const inputs = await produceRawStatements(n, hour, { tag: `e2e-${run}` });
    const statementIds = inputs.map((i) => i.statementId);
    await waitFor(
      'generation 1 indexed every statement',
      async () => ((await documentsOf(first, statementIds)) === n ? true : undefined),
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    const store = storeOf(storeEnv);
    await waitFor(
      'every event archived',
      async () => {
        const c = await readArchive(store);
        return inputs.every((i) => c.eventIds.get(i.eventId) === 1) ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    await archive.stop();
    await first.stop();

    // Generation 2: a new index prefix and fresh groups at the raw topic's end; then the replay.
    const second = await startInProcessPipeline({
      name: 'arce2e',
      run: `${run}b`,
      platformUrl,
      startFrom: 'latest',
    });
    cleanup.push(() => second.stop());
    assert.equal(await documentsOf(second, statementIds), 0);
    const from = new Date(hour).toISOString().slice(0, 13);
    const to = new Date(hour + 3_600_000).toISOString().slice(0, 13);
    const env = { ...process.env, ...storeEnv, REPLAY_METRICS_PORT: '0' };
    const before1 = await indexProduced(second);
    const began = Date.now();
    const r1 = await replayArchive(['--from', from, '--to', to, '--json'], env);
    assert.equal(r1.code, 0, r1.err);
    const summary = JSON.parse(r1.out) as { reinjected: number; records: number; recordsPerSecond: number };
    assert.equal(summary.reinjected, n);
    assert.equal(summary.records, n);
    await waitFor(
      'generation 2 indexed every replayed statement',
      async () => ((await documentsOf(second, statementIds)) === n ? true : undefined),
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    const seconds = (Date.now() - began) / 1000;
    await waitFor(
      'index wrote the N replayed statements',
      async () => ((await indexProduced(second)) - before1 >= n ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 500 },
    );

    // The same replay again: every statement written again, still exactly N documents.
    const before2 = await indexProduced(second);
    const r2 = await replayArchive(['--from', from, '--to', to, '--json'], env);
    assert.equal(r2.code, 0, r2.err);
    assert.equal((JSON.parse(r2.out) as { reinjected: number }).reinjected, n);
    await waitFor(
      'index wrote the N statements of the second replay',
      async () => ((await indexProduced(second)) - before2 >= n ? true : undefined),
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    assert.equal(await documentsOf(second, statementIds), n);
    process.stderr.write(
      `replay archive: ${n} records re-injected at ${summary.recordsPerSecond} records/s (command), ` +
        `${(n / seconds).toFixed(0)} statements/s from the command's start to all indexed (${seconds.toFixed(1)} s)\n`,
    );
  },
);
