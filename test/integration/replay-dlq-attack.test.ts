// Attacks on `lrstream replay dlq` (issue 14, item 2, with the general standards), written from the
// contract only: the issue text, `replay dlq --help` and docs/replay-dlq.md. The services run as
// separate processes (the delivery harness), the command as an operator runs it (a child process of
// the CLI). Story: convert runs with the ralph profile and dead-letters the run's
// `edx.ui.lms.sequence.next_selected` events (RALPH_EVENT_UNSUPPORTED), each carrying a personal
// marker (username and e-mail); the tests attack:
//   - usage: malformed values are exit 2 and write nothing;
//   - filters: --code, --since/--until, --source-topic, --pointer select exactly what they say;
//   - personal data: the marker never appears in `list`, `list --json`, `redrive` (text, --json,
//     --log FILE);
//   - loop guard: with --max-attempts 2, no source record is re-injected more than twice and the
//     third run parks;
//   - kill -9 of a redrive of 2,000 dead letters mid-run, then the same command again: each source
//     record re-injected exactly once, every event indexed exactly once;
//   - two redrives of the same selection at the same time: each source record re-injected once;
//   - the per-stage counters add up afterwards.
// Other pipelines on the shared stack read the same topics (and may dead-letter the run's events
// too): the tests select by --event-id and count distinct source positions.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOPICS } from '@lrstream/schemas';
import {
  RegistryView,
  indexedEventIds,
  keyedEventIds,
  readDeadLetters,
  requiredEnv,
  waitFor,
  type SeenDeadLetter,
} from '@lrstream/test';
import { Pipeline, STAGES, metricSum, type Offsets } from './delivery-harness.js';

const CLI = fileURLToPath(new URL('../../shared/cli/bin/lrstream.js', import.meta.url));
const PLATFORM = 'https://lms.example.org';

interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

interface CliChild {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  done: Promise<CliRun>;
}

function startCli(args: string[]): CliChild {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', REPLAY_METRICS_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const done = new Promise<CliRun>((resolve) =>
    child.on('exit', (code, signal) => resolve({ status: code ?? (signal ? -1 : -2), stdout, stderr })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

const children = new Set<ChildProcess>();

async function lrstream(args: string[], timeoutMs = 120_000): Promise<CliRun> {
  const run = startCli(args);
  children.add(run.child);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
  const result = await run.done;
  clearTimeout(timer);
  children.delete(run.child);
  return result;
}

// Every selection also bounds the read by time (the run's window): the shared dead-letter topic is large.
const SINCE = new Date(Date.now() - 60_000).toISOString();
const idsOnly = (eventIds: readonly string[]) => eventIds.flatMap((id) => ['--event-id', id]);
const ids = (eventIds: readonly string[]) => ['--since', SINCE, ...idsOnly(eventIds)];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('replay dlq under attack', { timeout: 600_000 }, () => {
  const run = randomUUID().slice(0, 8);
  const pipeline = new Pipeline({ name: 'dlqattack', run, startFrom: 'latest' });
  const marker = `piimarker${run}`;
  const registry = new RegistryView(requiredEnv('SCHEMA_REGISTRY_URL'));
  let dlqFrom = 0;
  let validFrom: Offsets = new Map();
  let userSeq = 0;
  const t0 = Date.now();
  /** The run's dead letters by batch tag (first dead letter seen per source position). */
  const batches = new Map<string, string[]>(); // tag -> event ids
  let letters: SeenDeadLetter[] = [];
  let collectedFor = new Set<string>();

  function events(tag: string, n: number): string[] {
    const lines: string[] = [];
    for (let k = 0; k < n; k++) {
      const i = userSeq++;
      const userId = 7_000_000 + (Number.parseInt(run.slice(0, 5), 16) % 100_000) * 10 + (i % 7);
      const course = 'course-v1:FUN+DLQATTACK+2026_T1';
      lines.push(
        JSON.stringify({
          username: `${marker}-${tag}-${i}`,
          email: `${marker}.${i}@example.org`,
          session: 'e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0',
          ip: '198.51.100.9',
          agent: 'Mozilla/5.0 (X11; Linux x86_64)',
          host: 'lms.example.org',
          referer: `${PLATFORM}/courses/${course}/courseware/`,
          accept_language: 'fr-FR',
          event_source: 'browser',
          event_type: 'edx.ui.lms.sequence.next_selected',
          name: 'edx.ui.lms.sequence.next_selected',
          time: new Date(t0 + i).toISOString().replace('Z', '+00:00'),
          page: `${PLATFORM}/courses/${course}/courseware/`,
          context: {
            user_id: userId,
            org_id: 'FUN',
            course_id: course,
            path: '/event',
            course_user_tags: {},
          },
          event: JSON.stringify({
            current_tab: 1,
            id: `block-v1:FUN+DLQATTACK+2026_T1+type@sequential+block@${tag}${i}`,
            tab_count: 4,
            target_tab: 2,
            widget_placement: 'top',
          }),
        }),
      );
    }
    return lines;
  }

  /** Reads the dead-letter topic from where it ended at the start; the run's convert dead letters. */
  async function collect(expected: number): Promise<void> {
    const reader = await readDeadLetters(
      requiredEnv('KAFKA_BROKERS'),
      registry,
      new Map([[TOPICS.deadLetterIdentified, new Map([[0, String(dlqFrom)]])]]),
      `dlqattack-${run}-${randomUUID().slice(0, 6)}`,
    );
    try {
      await waitFor(
        `${expected} of the run's events dead-lettered by convert`,
        async () => {
          const mine = new Set(
            reader.letters
              .filter((l) => l.stage === 'convert' && l.payload?.toString('utf8').includes(marker))
              .map((l) => l.event_id ?? ''),
          );
          return mine.size >= expected ? true : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 500 },
      );
      letters = reader.letters.filter(
        (l) => l.stage === 'convert' && l.payload?.toString('utf8').includes(marker),
      );
      collectedFor = new Set(letters.map((l) => l.event_id ?? ''));
    } finally {
      await reader.stop();
    }
  }

  /** Event ids of a batch (its events' username holds `-<tag>-`). */
  function eventIdsOf(tag: string): string[] {
    const found = new Set<string>();
    for (const l of letters)
      if (l.payload!.toString('utf8').includes(`${marker}-${tag}-`)) found.add(l.event_id!);
    return [...found];
  }

  /**
   * The records of edx.valid.v1 written since the start that carry redrive headers: per
   * `lrstream-redrive-source`, how many re-injections and their attempts.
   */
  async function reinjections(): Promise<
    Map<string, { count: number; attempts: number[]; origins: string[] }>
  > {
    const topic = TOPICS.edxValid;
    const to = await pipeline.topicEnds(topic);
    const out = new Map<string, { count: number; attempts: number[]; origins: string[] }>();
    const remaining = new Map([...to].filter(([p, end]) => end > (validFrom.get(p) ?? 0)));
    if (remaining.size === 0) return out;
    const read = new Set<string>();
    const consumer = pipeline.kafka.consumer({ groupId: `dlqattack-${run}-hdr-${randomUUID().slice(0, 6)}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      // A fetch of markers only never reaches eachBatch; kafkajs still reports where it ended.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (Number(payload.lastOffset) >= (to.get(payload.partition) ?? 0) - 1)
          remaining.delete(payload.partition);
      });
      await consumer.run({
        // By batch: a redrive writes in transactions, so a partition can end with a commit marker
        // that is never delivered as a message; batch.lastOffset() counts it.
        eachBatch: async ({ batch }) => {
          const partition = batch.partition;
          const end = to.get(partition) ?? 0;
          for (const message of batch.messages) {
            const offset = Number(message.offset);
            if (offset >= end || offset < (validFrom.get(partition) ?? 0)) continue;
            const position = `${partition}:${offset}`;
            if (read.has(position)) continue;
            read.add(position);
            const h = message.headers ?? {};
            const source = h['lrstream-redrive-source']?.toString();
            if (source) {
              const entry = out.get(source) ?? { count: 0, attempts: [], origins: [] };
              entry.count++;
              entry.attempts.push(Number(h['lrstream-redrive-attempt']?.toString()));
              entry.origins.push(String(h['lrstream-redrive-origin']?.toString()));
              out.set(source, entry);
            }
          }
          if (Number(batch.lastOffset()) >= end - 1) remaining.delete(partition);
        },
      });
      for (const [partition, end] of to)
        consumer.seek({
          topic,
          partition,
          offset: String(remaining.has(partition) ? (validFrom.get(partition) ?? 0) : end),
        });
      await waitFor(`${topic} read`, async () => (remaining.size === 0 ? true : undefined), {
        timeoutMs: 60_000,
        intervalMs: 100,
      });
    } finally {
      await consumer.disconnect();
    }
    return out;
  }

  /** The distinct source positions (`topic/partition/offset`) of the batch's dead letters. */
  function sourcesOf(eventIds: readonly string[]): Set<string> {
    const wanted = new Set(eventIds);
    return new Set(
      letters
        .filter((l) => wanted.has(l.event_id ?? '') && l.source_topic === TOPICS.edxValid)
        .map((l) => `${l.source_topic}/${l.source_partition}/${l.source_offset}`),
    );
  }

  before(async () => {
    const dlqEnds = await pipeline.topicEnds(TOPICS.deadLetterIdentified);
    dlqFrom = dlqEnds.get(0) ?? 0;
    validFrom = await pipeline.topicEnds(TOPICS.edxValid);
    await pipeline.startAll({ convert: { CONVERT_PROFILE: 'ralph', CONVERT_UNSUPPORTED: 'dead-letter' } });
    batches.set('big', []);
    for (let i = 0; i < 2000; i += 500) await pipeline.postEdx(events('big', 500));
    await pipeline.postEdx(events('loop', 10));
    await pipeline.postEdx(events('pair', 100));
    await collect(2110);
  });

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await pipeline.cleanUp();
  });

  test('malformed values are usage errors (exit 2) and write nothing', async () => {
    const some = eventIdsOf('loop');
    const cases: string[][] = [
      ['redrive', ...ids(some)],
      ['redrive', '--stage', 'nosuchstage', ...ids(some)],
      ['redrive', '--stage', 'convert', '--since', 'yesterday-ish', ...idsOnly(some)],
      ['redrive', '--stage', 'convert', '--until', '12x', ...ids(some)],
      ['redrive', '--stage', 'convert', '--since', '2026-13-45T99:00:00Z', ...idsOnly(some)],
      ['redrive', '--stage', 'convert', '--max-attempts', '0', ...ids(some)],
      ['redrive', '--stage', 'convert', '--max-attempts', '-1', ...ids(some)],
      ['redrive', '--stage', 'convert', '--max-attempts', 'three', ...ids(some)],
      ['redrive', '--stage', 'convert', '--max-attempts', '2.5', ...ids(some)],
      ['redrive', '--stage', 'convert', '--wait-timeout', 'soon', '--wait', ...ids(some)],
      ['redrive', '--stage', 'convert', '--pointer', 'event_type', ...ids(some)],
      ['redrive', '--stage', 'convert', '--bogus-flag', ...ids(some)],
      ['redrive', '--stage', 'convert', '--code', ...ids(some)],
      ['redrive', '--stage', 'convert', '--since', '2h', '--until', '3h', ...idsOnly(some)],
      ['list', '--samples', '-1', ...ids(some)],
      ['list', '--samples', 'many', ...ids(some)],
    ];
    const failures: string[] = [];
    for (const args of cases) {
      const r = await lrstream(['replay', 'dlq', ...args]);
      if (r.status !== 2)
        failures.push(
          `${args.filter((a, i) => a !== '--event-id' && args[i - 1] !== '--event-id').join(' ')}: exit ${r.status} (${r.stderr.trim().split('\n').pop()})`,
        );
    }
    // Nothing was written: the batch is still pending, and nothing of it was re-injected.
    const listed = await lrstream(['replay', 'dlq', 'list', '--json', ...ids(some)]);
    assert.equal(listed.status, 0, listed.stderr);
    const json = JSON.parse(listed.stdout) as { matched: number; byRedriveStatus: Record<string, number> };
    assert.equal(json.byRedriveStatus.pending, json.matched, 'every dead letter of the batch still pending');
    const re = await reinjections();
    assert.equal([...sourcesOf(some)].filter((s) => re.has(s)).length, 0, 'nothing re-injected');
    assert.deepEqual(failures, [], 'every malformed invocation is a usage error (exit 2)');
  });

  test('filters select exactly what they say', async () => {
    const some = eventIdsOf('pair');
    const total = letters.filter((l) => some.includes(l.event_id!)).length;
    const matched = async (...extra: string[]) => {
      const sel = extra.includes('--since') ? idsOnly(some) : ids(some);
      const r = await lrstream(['replay', 'dlq', 'list', '--json', ...extra, ...sel]);
      assert.equal(r.status, 0, `${extra.join(' ')}: ${r.stderr}`);
      return (JSON.parse(r.stdout) as { matched: number }).matched;
    };
    const failedAt = letters.map((l) =>
      Number((l as unknown as { failed_at: number | Date }).failed_at.valueOf()),
    );
    const first = Math.min(...failedAt);
    const last = Math.max(...failedAt);
    const got = {
      all: await matched(),
      code: await matched('--code', 'RALPH_EVENT_UNSUPPORTED'),
      otherCode: await matched('--code', 'LRS_ERR_PROCESSING'),
      twoCodes: await matched('--code', 'LRS_ERR_PROCESSING', '--code', 'RALPH_EVENT_UNSUPPORTED'),
      sourceTopic: await matched('--source-topic', TOPICS.edxValid),
      otherTopic: await matched('--source-topic', TOPICS.raw),
      pointer: await matched('--pointer', '/event_type'),
      pointerPrefixOnly: await matched('--pointer', '/event'),
      pointerRoot: await matched('--pointer', ''),
      sinceFuture: await matched('--since', new Date(Date.now() + 3_600_000).toISOString()),
      untilPast: await matched('--until', new Date(first).toISOString()),
      window: await matched('--since', String(first), '--until', String(last + 1)),
      sinceAgo: await matched('--since', '30m'),
      stage: await matched('--stage', 'convert'),
      otherStage: await matched('--stage', 'validate'),
    };
    assert.ok(total >= some.length, 'at least one dead letter per event');
    assert.deepEqual(got, {
      all: total,
      code: total,
      otherCode: 0,
      twoCodes: total,
      sourceTopic: total,
      otherTopic: 0,
      pointer: total,
      pointerPrefixOnly: 0,
      // the root pointer "" is the whole document: every pointer is under it
      pointerRoot: total,
      sinceFuture: 0,
      untilPast: 0,
      window: total,
      sinceAgo: total,
      stage: total,
      otherStage: 0,
    });
  });

  test('personal data never printed by list or logged', async () => {
    const some = eventIdsOf('pair').slice(0, 30);
    const outputs: [string, CliRun][] = [];
    outputs.push(['list', await lrstream(['replay', 'dlq', 'list', '--samples', '50', ...ids(some)])]);
    outputs.push([
      'list --json',
      await lrstream(['replay', 'dlq', 'list', '--samples', '50', '--json', ...ids(some)]),
    ]);
    outputs.push([
      'list (all)',
      await lrstream(['replay', 'dlq', 'list', '--samples', '20', '--since', '10m']),
    ]);
    const log = join(pipeline.dir, 'dry.log');
    outputs.push([
      'redrive --dry-run --log',
      await lrstream([
        'replay',
        'dlq',
        'redrive',
        '--stage',
        'convert',
        '--dry-run',
        '--log',
        log,
        ...ids(some),
      ]),
    ]);
    outputs.push([
      'redrive --dry-run --json',
      await lrstream(['replay', 'dlq', 'redrive', '--stage', 'convert', '--dry-run', '--json', ...ids(some)]),
    ]);
    for (const [what, r] of outputs) {
      assert.ok(r.status === 0 || r.status === 1, `${what}: exit ${r.status}: ${r.stderr}`);
      assert.ok(!`${r.stdout}${r.stderr}`.includes(marker), `${what} prints personal data`);
      assert.ok(!`${r.stdout}${r.stderr}`.includes('example.org'), `${what} prints an e-mail`);
    }
    if (existsSync(log))
      assert.ok(!readFileSync(log, 'utf8').includes(marker), 'the log holds personal data');
  });

  test('loop guard: an event that always fails is re-injected at most --max-attempts times, then parked', async () => {
    const loop = eventIdsOf('loop');
    const statuses: number[] = [];
    const summaries: string[] = [];
    for (let i = 0; i < 4; i++) {
      // Each run sees the dead letters of the previous one (the ralph convert still cannot convert).
      const r = await lrstream([
        'replay',
        'dlq',
        'redrive',
        '--stage',
        'convert',
        '--max-attempts',
        '2',
        '--wait',
        '--wait-timeout',
        '60',
        '--group',
        pipeline.groupId('convert'),
        ...ids(loop),
      ]);
      statuses.push(r.status);
      summaries.push(r.stdout);
      assert.ok(!`${r.stdout}${r.stderr}`.includes(marker), 'redrive prints personal data');
      // the dead letters of this round
      await sleep(1500);
    }
    const re = await reinjections();
    const mine = [...re]
      .filter(([, v]) => v.origins.length > 0)
      .filter(([source]) => sourcesOf(loop).has(source));
    assert.equal(mine.length, sourcesOf(loop).size, 'every looping source record was redriven');
    for (const [source, v] of mine) {
      assert.ok(
        v.count <= 2,
        `${source} re-injected ${v.count} times (max attempts 2): attempts ${v.attempts}`,
      );
      assert.deepEqual([...v.attempts].sort(), [1, 2].slice(0, v.count), `${source} attempts ${v.attempts}`);
    }
    assert.equal(statuses[0], 1, `first run: failed again, exit 1\n${summaries[0]}`);
    assert.ok(/parked/i.test(summaries.join('\n')), 'a later run parks');
    const parkedRun = summaries.findIndex((s) => /parked\D+[1-9]/i.test(s));
    assert.ok(parkedRun >= 0 && statuses[parkedRun] === 1, `the parking run exits 1: ${statuses}`);
  });

  test('kill -9 mid-redrive of 2,000 dead letters, then again: each re-injected once, indexed once', async () => {
    // The fixed convert is deployed: the openedx profile converts next_selected.
    await pipeline.kill('convert');
    await pipeline.start('convert');
    const big = eventIdsOf('big');
    assert.equal(big.length, 2000);
    const log = join(pipeline.dir, 'redrive.log');
    const first = startCli(['replay', 'dlq', 'redrive', '--stage', 'convert', '--log', log, ...ids(big)]);
    children.add(first.child);
    // kill once it started writing (progress on stderr), or after 2.5 s
    await waitFor('redrive progress', async () => (first.stderr().length > 0 ? true : undefined), {
      timeoutMs: 2500,
      intervalMs: 20,
    }).catch(() => undefined);
    await sleep(300);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    children.delete(first.child);
    const second = await lrstream([
      'replay',
      'dlq',
      'redrive',
      '--stage',
      'convert',
      '--json',
      '--log',
      log,
      '--wait',
      '--wait-timeout',
      '120',
      '--group',
      pipeline.groupId('convert'),
      ...ids(big),
    ]);
    for (const r of [killed, second])
      assert.ok(!`${r.stdout}${r.stderr}`.includes(marker), 'personal data printed');
    assert.ok(!readFileSync(log, 'utf8').includes(marker), 'personal data in the log');
    assert.equal(second.status, 0, `second run: ${second.stdout}\n${second.stderr.slice(-2000)}`);
    const re = await reinjections();
    const sources = sourcesOf(big);
    const counts = [...sources].map((s) => re.get(s)?.count ?? 0);
    assert.equal(counts.filter((c) => c === 0).length, 0, 'every source record re-injected');
    assert.equal(counts.filter((c) => c > 1).length, 0, 'no source record re-injected twice');
    // every event indexed, once
    const keyFile = join(pipeline.dir, 'key');
    await waitFor(
      'the 2,000 events indexed',
      async () =>
        (await indexedEventIds(pipeline.es, pipeline.indexPrefix, big, keyFile)).size === 2000
          ? true
          : undefined,
      { timeoutMs: 90_000, intervalMs: 1000 },
    );
    const keyed = [...keyedEventIds(big, keyFile).keys()];
    const docs = await pipeline.es.count({
      index: `${pipeline.indexPrefix}*`,
      query: { terms: { 'lrstream.event_id': keyed } },
    });
    assert.equal(docs.count, 2000, 'each event one document');
  });

  test('two redrives of the same selection at the same time: each record re-injected once', async () => {
    const pair = eventIdsOf('pair');
    const args = ['replay', 'dlq', 'redrive', '--stage', 'convert', '--json', ...ids(pair)];
    const [a, b] = await Promise.all([lrstream(args), lrstream(args)]);
    // One may be fenced (exit 1 with a message); then the same command again finishes the job.
    if (a.status !== 0 || b.status !== 0) {
      const again = await lrstream(args);
      assert.equal(again.status, 0, again.stderr);
    }
    const re = await reinjections();
    const sources = sourcesOf(pair);
    const counts = [...sources].map((s) => re.get(s)?.count ?? 0);
    assert.equal(counts.filter((c) => c === 0).length, 0, 'every source record re-injected');
    assert.equal(counts.filter((c) => c > 1).length, 0, `re-injected twice: ${a.stdout}\n${b.stdout}`);
    const keyFile = join(pipeline.dir, 'key');
    await waitFor(
      'the pair batch indexed',
      async () =>
        (await indexedEventIds(pipeline.es, pipeline.indexPrefix, pair, keyFile)).size === pair.length
          ? true
          : undefined,
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
  });

  test('the per-stage counters add up after the story', async () => {
    await pipeline.settle();
    const lines: string[] = [];
    for (const stage of STAGES) {
      const text = await pipeline.metrics(stage);
      const consumed = metricSum(text, `lrstream_${stage}_events_consumed_total`);
      const passed = metricSum(text, `lrstream_${stage}_events_passed_total`);
      const dead = metricSum(text, `lrstream_${stage}_events_dead_lettered_total`);
      const filtered = metricSum(text, `lrstream_${stage}_events_filtered_total`);
      if (consumed !== passed + dead + filtered)
        lines.push(
          `${stage}: consumed ${consumed} != passed ${passed} + dead ${dead} + filtered ${filtered}`,
        );
    }
    assert.deepEqual(lines, []);
    assert.ok(collectedFor.size >= 2110);
  });
});
