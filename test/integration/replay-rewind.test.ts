// `lrstream replay rewind` (issue "Topic replay for reprocessing", item 1), on the real stack, with
// the pipeline's services as separate processes started as an operator starts them and the
// command run as an operator runs it. What it must do:
//   - --dry-run prints the plan and moves nothing;
//   - a group with running members is refused unless --coordinate, and then nothing moves;
//   - with --coordinate the running stage leaves its group, the offsets move, the stage comes back
//     by itself (same process, never restarted) and reads the records again;
//   - records read again replace their Elasticsearch documents (new _version), nothing is doubled,
//     and records before the target are not touched;
//   - --to-dead-letter CODE targets, per partition, the first record the stage dead-lettered.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { TOPICS } from '@lrstream/schemas';
import { waitFor } from '@lrstream/test';
import { EdxLoad, Pipeline, metricSum, type Offsets } from './delivery-harness.js';

const CLI = fileURLToPath(new URL('../../shared/cli/bin/lrstream.js', import.meta.url));

interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as an operator would, with the stack's environment. */
function lrstream(args: string[], timeoutMs = 180_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, LOG_LEVEL: 'info', REPLAY_METRICS_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lrstream ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr });
    });
  });
}

interface OutcomeJson {
  status: string;
  reason: string | null;
  plan: { partitions: { partition: number; current: string | null; target: string }[]; reread: string };
  caughtUp: { records: number } | null;
}

const same = (a: Offsets, b: Offsets) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

describe('replay rewind', { timeout: 300_000 }, () => {
  const run = randomUUID().slice(0, 8);
  const pipeline = new Pipeline({ name: 'rewind', run, startFrom: 'latest' });
  const load = new EdxLoad(run);
  const group = pipeline.groupId('validate');
  let splitAt = 0;
  let firstIds: string[] = [];
  let secondIds: string[] = [];

  before(async () => {
    await pipeline.startAll();
    for (let i = 0; i < 2; i++) await pipeline.postEdx(load.events('first', 100, 30));
    firstIds = load.ids('first');
    await waitFor('first statements indexed', async () =>
      (await pipeline.indexedVersions(firstIds)).size === firstIds.length ? true : undefined,
    );
    // Raw records are stamped by Kafka when ingest writes them: everything after this instant is "second".
    await new Promise((resolve) => setTimeout(resolve, 50));
    splitAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let i = 0; i < 2; i++) await pipeline.postEdx(load.events('second', 100, 30));
    secondIds = load.ids('second');
    await waitFor('second statements indexed', async () =>
      (await pipeline.indexedVersions(secondIds)).size === secondIds.length ? true : undefined,
    );
    await pipeline.settle();
  });
  after(() => pipeline.cleanUp());

  test('--dry-run prints the plan and moves nothing', async () => {
    const before = await pipeline.committed('validate');
    const result = await lrstream([
      'replay',
      'rewind',
      '--stage',
      'validate',
      '--group',
      group,
      '--to-time',
      new Date(splitAt).toISOString(),
      '--dry-run',
      '--json',
    ]);
    assert.equal(result.status, 0, result.stderr);
    const outcome = JSON.parse(result.stdout) as OutcomeJson;
    assert.equal(outcome.status, 'dry-run');
    assert.ok(
      Number(outcome.plan.reread) >= secondIds.length,
      `re-reads at least the second batch: ${outcome.plan.reread}`,
    );
    assert.ok(same(before, await pipeline.committed('validate')), 'offsets unchanged');
  });

  test('a running group is refused without --coordinate, and nothing moves', async () => {
    const before = await pipeline.committed('validate');
    const result = await lrstream([
      'replay',
      'rewind',
      '--stage',
      'validate',
      '--group',
      group,
      '--to-time',
      new Date(splitAt).toISOString(),
    ]);
    assert.equal(result.status, 3, `refused (exit 3): ${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /active member/);
    assert.ok(same(before, await pipeline.committed('validate')), 'offsets unchanged');
    assert.equal(pipeline.services.get('validate')?.exitedAlready, false, 'validate still runs');
  });

  test('--coordinate pauses, moves, resumes: records after the target are indexed again, none doubled', async () => {
    const versionsBefore = await pipeline.indexedVersions([...firstIds, ...secondIds]);
    assert.ok(
      [...versionsBefore.values()].every((v) => v === 1),
      'every document at _version 1 before',
    );
    const validate = pipeline.services.get('validate');
    const result = await lrstream([
      'replay',
      'rewind',
      '--stage',
      'validate',
      '--group',
      group,
      '--to-time',
      new Date(splitAt).toISOString(),
      '--coordinate',
      '--lease',
      '2m',
      '--wait',
      '--wait-timeout',
      '3m',
      '--json',
    ]);
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    const outcome = JSON.parse(result.stdout) as OutcomeJson;
    assert.equal(outcome.status, 'rewound');
    assert.ok((outcome.caughtUp?.records ?? 0) >= secondIds.length, 'the group read the second batch again');
    assert.match(result.stderr, /pause sent/);
    assert.match(result.stderr, /resume sent/);
    // The same process, back in its group by itself.
    assert.equal(pipeline.services.get('validate'), validate);
    assert.equal(validate?.exitedAlready, false, 'validate was never restarted');
    await waitFor('validate ready again', async () =>
      (await fetch(`http://127.0.0.1:${validate!.metricsPort}/readyz`)).status === 200 ? true : undefined,
    );
    assert.ok(
      validate!.output.some((l) => l.includes("operator's pause")),
      'validate logged the pause',
    );

    await waitFor(
      'the second batch re-indexed',
      async () => {
        const v = await pipeline.indexedVersions(secondIds);
        return [...v.values()].filter((n) => n >= 2).length === secondIds.length ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    await pipeline.settle();
    const versions = await pipeline.indexedVersions([...firstIds, ...secondIds]);
    assert.equal(versions.size, firstIds.length + secondIds.length, 'every statement still indexed');
    assert.ok(
      firstIds.every((id) => versions.get(id) === 1),
      'records before the target were not read again',
    );
    // Replaced, not added: exactly one document per statement in the run's indices.
    await pipeline.es.indices.refresh({ index: `${pipeline.indexPrefix}*` });
    const total = await pipeline.es.search({
      index: `${pipeline.indexPrefix}*`,
      size: 0,
      track_total_hits: true,
    });
    const hits = typeof total.hits.total === 'number' ? total.hits.total : (total.hits.total?.value ?? -1);
    assert.ok(hits >= versions.size, 'documents present');
    const distinct = new Set<string>();
    let duplicates = 0;
    const scroll = await pipeline.es.search({
      index: `${pipeline.indexPrefix}*`,
      size: 10_000,
      _source: false,
    });
    for (const hit of scroll.hits.hits) {
      if (distinct.has(hit._id!)) duplicates += 1;
      distinct.add(hit._id!);
    }
    assert.equal(duplicates, 0, 'no document id appears twice across the run indices');

    // The stage's own books still balance after reading records twice.
    const text = await pipeline.metrics('validate');
    const consumed = metricSum(text, 'lrstream_validate_events_consumed_total');
    const accounted =
      metricSum(text, 'lrstream_validate_events_passed_total') +
      metricSum(text, 'lrstream_validate_events_dead_lettered_total') +
      metricSum(text, 'lrstream_validate_events_filtered_total');
    assert.equal(consumed, accounted, 'consumed = passed + dead-lettered + filtered');
  });

  test('--to-dead-letter targets the first record dead-lettered with the code, per partition', async () => {
    const since = Date.now();
    const dlqFrom = await pipeline.topicEnds(TOPICS.deadLetterIdentified);
    const marker = `rewind-poison-${run}`;
    // Video events without their context: invalid for their edX model, dead-lettered by validate.
    const poison = Array.from({ length: 12 }, (_, i) =>
      JSON.stringify({
        username: `${marker}-${i}`,
        event_source: 'browser',
        event_type: 'play_video',
        name: 'play_video',
        time: new Date().toISOString(),
        event: '{}',
      }),
    );
    await pipeline.postEdx(poison);
    let ours: string[] = [];
    await waitFor(
      'the poison dead-lettered',
      async () => {
        ours = await pipeline.readRange(TOPICS.deadLetterIdentified, dlqFrom, (value) => {
          const payload = value.payload as Buffer | null;
          if (value.stage !== 'validate' || !payload?.toString('utf8').includes(marker)) return undefined;
          return `${String(value.source_partition)}:${String(value.source_offset)}:${String(value.error_code)}`;
        });
        return ours.length === poison.length ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    const code = ours[0]!.split(':')[2]!;
    assert.ok(
      ours.every((l) => l.endsWith(`:${code}`)),
      `one code for all: ${ours.join(', ')}`,
    );
    const first = new Map<number, number>();
    for (const letter of ours) {
      const [p, o] = letter.split(':').map(Number) as [number, number];
      if (!first.has(p) || o < first.get(p)!) first.set(p, o);
    }
    await pipeline.settle();
    const result = await lrstream([
      'replay',
      'rewind',
      '--stage',
      'validate',
      '--group',
      group,
      '--to-dead-letter',
      code,
      '--dead-letter-since',
      new Date(since).toISOString(),
      '--dry-run',
      '--json',
    ]);
    assert.equal(result.status, 0, result.stderr);
    const outcome = JSON.parse(result.stdout) as OutcomeJson;
    const moved = new Map(
      outcome.plan.partitions
        .filter((p) => p.current !== p.target)
        .map((p) => [p.partition, Number(p.target)]),
    );
    assert.deepEqual(
      [...moved].sort(([a], [b]) => a - b),
      [...first].sort(([a], [b]) => a - b),
      'targets are the first dead-lettered offsets, only on partitions that have one',
    );
  });
});
