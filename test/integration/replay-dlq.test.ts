// Dead-letter redrive end to end (issue 14, item 2), on the real stack, as an operator does it.
//
// The story: convert is deployed with a profile whose converter does not know an event type — the
// real knob CONVERT_PROFILE=ralph with CONVERT_UNSUPPORTED=dead-letter: Ralph's converters have no
// mapping for `edx.ui.lms.sequence.next_selected` and refuse a video event whose payload is a JSON
// string, so those events are dead-lettered (RALPH_EVENT_UNSUPPORTED, RALPH_FIELD_TYPE). The fixed
// deployment (CONVERT_PROFILE=openedx, whose mapping knows both) replaces it in the same consumer
// group, and `lrstream replay dlq redrive` (the CLI, run as a process) turns the dead letters into
// indexed statements. Checked with exact counts on this run's own events (unique course and
// learners; the topics are shared): every event indexed exactly once, every dead letter redriven
// once, a second redrive redrives nothing, each stage's counters add up. Also: filters select
// exactly what they say, an event no converter knows is parked after --max-attempts, a dead letter
// whose source record is gone is reported unavailable (or redriven from its payload when that is a
// whole record of the input topic).
//
// The services run as processes (delivery-harness.ts), in the run's own groups starting at the
// shared topics' ends (START_FROM=latest); nothing here commits a stage's offsets or registers a
// schema.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { convertOpenedx, createRalphConverter } from '@lrstream/domain';
import { createSchemaCodec } from '@lrstream/kafka';
import { TOPICS, valueSchemaOf, type EdxEvent } from '@lrstream/schemas';
import { REPO_ROOT, keyedEventIds, keyedStatementIds, requiredEnv, waitFor } from '@lrstream/test';
import { Pipeline, metricSum, type Offsets, type Stage } from './delivery-harness.js';

const PLATFORM = 'https://lms.example.org';
const RALPH_NAMESPACE = 'ee241f8b-174f-5bdb-a4a3-a7b5b2d2fd72';
const DEFECTIVE = { CONVERT_PROFILE: 'ralph', CONVERT_UNSUPPORTED: 'dead-letter' };
const FIXED = { CONVERT_PROFILE: 'openedx', CONVERT_UNSUPPORTED: 'dead-letter' };
const CLI = join(REPO_ROOT, 'shared', 'cli', 'bin', 'lrstream.js');

/** How many of each kind: converted by both (A), unknown to Ralph (B), refused by Ralph (C), unknown to both (X). */
const N = { a: 10, b: 20, c: 5, x: 3 } as const;
type Kind = keyof typeof N;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Summary {
  redriveId: string;
  selected: number;
  redriven: number;
  redrivenFromPayload: number;
  skipped: { total: number; redriven: number; parked: number; unavailable: number; duplicate: number };
  duplicate: number;
  parked: number;
  unavailable: number;
  reasons: Record<string, number>;
  failedAgain?: { total: number; byCode: Record<string, number> };
  caughtUp?: boolean;
  elapsedMs: number;
  waitedMs?: number;
}

describe(
  'replay dlq: a defective convert dead-letters, the fixed one gets the dead letters back',
  { timeout: 900_000 },
  () => {
    const run = randomUUID().slice(0, 8);
    const pipeline = new Pipeline({ name: 'rdlq', run, startFrom: 'latest' });
    const course = `course-v1:FUN+RD${run}+2026_T1`;
    const marker = `rd-${run}-`;
    const t0 = Date.now();
    const lines: Record<Kind, string[]> = { a: [], b: [], c: [], x: [] };
    /** Event ids (assigned by ingest) of this run's dead letters, by kind. */
    const deadLetterIds: Record<Kind, string[]> = { a: [], b: [], c: [], x: [] };
    /**
     * Dead letters of the defective run, by kind. On a shared stack every running pipeline's validate
     * writes its own copy of each raw event to edx.valid.v1, so an event can reach this run's convert
     * (and be dead-lettered) more than once: counts of dead letters are measured, counts of events
     * are exact. In CI (one pipeline at a time) each event has one copy.
     */
    const letterCount: Record<Kind, number> = { a: 0, b: 0, c: 0, x: 0 };
    const L = (...kinds: Kind[]) => kinds.reduce((s, k) => s + letterCount[k], 0);
    const stageMetrics = new Map<string, string[]>();
    let dlqStart: Offsets;

    const cli = (args: string[]): Promise<CliResult> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [CLI, 'replay', 'dlq', ...args], {
          env: { ...pipeline.serviceEnv, REPLAY_METRICS_PORT: '0', LOG_LEVEL: 'info' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
        child.on('error', reject);
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });

    const redrive = async (args: string[]): Promise<{ summary: Summary; result: CliResult }> => {
      const result = await cli(['redrive', '--stage', 'convert', '--json', ...args]);
      assert.ok(
        result.stdout.trim().startsWith('{'),
        `redrive printed no summary:\n${result.stderr.slice(-2000)}`,
      );
      return { summary: JSON.parse(result.stdout) as Summary, result };
    };

    // Selected by event id, and read from a minute before the run (as an operator bounds a
    // selection by time: the shared dead-letter topic holds every other run's dead letters too).
    const eventIdArgs = (...kinds: Kind[]) => [
      '--since',
      new Date(t0 - 60_000).toISOString(),
      ...kinds.flatMap((k) => deadLetterIds[k].flatMap((id) => ['--event-id', id])),
    ];
    const waitArgs = ['--wait', '--group', pipeline.groupId('convert'), '--wait-timeout', '120'];

    /** Documents of this run's course, and how many per event id. */
    /** Keyed event id (the anonymized zone's) -> kind, of every event of the run. */
    const keyedIds = new Map<string, Kind>();
    /**
     * Keyed statement ids the run's pipeline must index: A as the defective (ralph) convert makes
     * them, B and C as the fixed (openedx) one does, by the domain converters (the oracle).
     */
    const expectedDocs = new Map<string, Kind>();
    /**
     * Whether this run's events went through this run's pipeline only. On a shared stack another
     * pipeline's validate and convert may process them too (its statements, anonymized by this run's
     * anonymize, land in this run's index): then each dead letter comes in several copies, and the
     * exact document count is checked only for the documents this pipeline must make.
     */
    let alone = true;
    /** This pipeline's documents of the run's events (keyed with the run's key). */
    const indexed = async (kinds: readonly Kind[] = ['a', 'b', 'c']) => {
      await pipeline.es.indices
        .refresh({ index: `${pipeline.indexPrefix}*`, ignore_unavailable: true })
        .catch(() => undefined);
      const result = await pipeline.es.search<{ lrstream?: { event_id?: string } }>({
        index: `${pipeline.indexPrefix}*`,
        ignore_unavailable: true,
        size: 1000,
        _source: ['lrstream.event_id'],
        query: { terms: { 'lrstream.event_id': [...keyedIds.keys()] } },
      });
      const perEvent = new Map<string, number>();
      let expected = 0;
      for (const hit of result.hits.hits) {
        const id = hit._source?.lrstream?.event_id ?? '';
        perEvent.set(id, (perEvent.get(id) ?? 0) + 1);
        if (hit._id && kinds.includes(expectedDocs.get(hit._id) as Kind)) expected += 1;
      }
      const total = result.hits.hits.length;
      return {
        total,
        events: perEvent.size,
        maxPerEvent: Math.max(0, ...perEvent.values()),
        expected,
        other: total - expected,
      };
    };
    /** Exactly `n` expected documents, one per event, and (alone on the stack) no other. */
    const assertIndexedOnce = async (
      t: { diagnostic(m: string): void },
      kinds: readonly Kind[],
      message: string,
    ) => {
      const n = kinds.reduce((sum, k) => sum + N[k], 0);
      const docs = await indexed(kinds);
      assert.equal(docs.expected, n, `${message}: ${JSON.stringify(docs)}`);
      if (alone)
        assert.deepEqual(docs, { total: n, events: n, maxPerEvent: 1, expected: n, other: 0 }, message);
      else
        t.diagnostic(
          `another pipeline processed this run's events: ${docs.other} of its documents are in this index (exact total checked when alone, as in CI)`,
        );
    };

    /** This run's dead letters written since the test began: `kind code pointer event_id` per letter. */
    const myDeadLetters = async () =>
      pipeline.readRange(TOPICS.deadLetterIdentified, dlqStart, (value) => {
        const payload = value.payload as Buffer | null;
        const text = payload?.toString('utf8') ?? '';
        if (!text.includes(marker)) return undefined;
        const kind = /"kind":"(\w)"/.exec(text)?.[1];
        if (kind === undefined) return undefined; // the test's planted dead letters
        return `${kind} ${String(value.stage)} ${String(value.error_code)} ${String(value.error_pointer)} ${String(value.event_id)}`;
      });

    /**
     * Waits until no stage consumed anything for two polls 1 s apart. (Not the harness's settle(): a
     * redrive's transaction leaves a commit marker after the last record of a partition, which a
     * stage never commits past, so its lag gauge stays at 1 on an idle partition; docs/replay.md ("Dead-letter redrive").)
     */
    const quiet = async () => {
      let previous = '';
      await waitFor(
        'the stages idle',
        async () => {
          const counts: number[] = [];
          for (const stage of ['validate', 'convert', 'anonymize', 'index'] as const)
            counts.push(metricSum(await pipeline.metrics(stage), `lrstream_${stage}_events_consumed_total`));
          const key = counts.join(',');
          const idle = key === previous;
          previous = key;
          return idle ? true : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 1000 },
      ).catch(() => undefined); // other pipelines' traffic can keep shared stages busy: best effort
    };

    const snapshot = async (stage: Stage, label: string) => {
      const list = stageMetrics.get(stage) ?? [];
      list.push(await pipeline.metrics(stage));
      stageMetrics.set(stage, list);
      return label;
    };

    before(async () => {
      // Events unique to the run: its own course and learners; `kind` rides in the referer's query.
      const event = (kind: Kind, i: number): Record<string, unknown> => {
        const userId = 7_000_000 + (Number.parseInt(run.slice(0, 5), 16) % 100_000) * 10 + (i % 10);
        const base = {
          username: `${marker}${userId}`,
          session: 'f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0',
          ip: '198.51.100.7',
          agent: 'Mozilla/5.0 (X11; Linux x86_64)',
          host: 'lms.example.org',
          referer: `${PLATFORM}/courses/${course}/courseware/?kind=${kind}`,
          accept_language: 'fr-FR',
          event_source: 'browser',
          time: new Date(t0 + i).toISOString().replace('Z', '+00:00'),
          page: `${PLATFORM}/courses/${course}/courseware/`,
          context: {
            user_id: userId,
            org_id: 'FUN',
            course_id: course,
            path: '/event',
            course_user_tags: {},
          },
          kind,
        };
        const video = { id: `rd${run}video`, code: 'html5', duration: 600, currentTime: i % 600 };
        switch (kind) {
          case 'a':
            return { ...base, event_type: 'play_video', name: 'play_video', event: video };
          case 'b':
            return {
              ...base,
              event_type: 'edx.ui.lms.sequence.next_selected',
              name: 'edx.ui.lms.sequence.next_selected',
              event: JSON.stringify({
                id: `block-v1:FUN+RD${run}+2026_T1+type@sequential+block@s${i}`,
                current_tab: 1,
                tab_count: 4,
                target_tab: 2,
                widget_placement: 'top',
              }),
            };
          case 'c':
            return { ...base, event_type: 'play_video', name: 'play_video', event: JSON.stringify(video) };
          case 'x':
            return {
              ...base,
              event_type: 'lrstream.test.unmapped',
              name: 'lrstream.test.unmapped',
              event: '{}',
            };
        }
      };
      // The converters themselves say what the story needs (the oracle, not the pipeline).
      const ralph = createRalphConverter({ platformUrl: PLATFORM, uuidNamespace: RALPH_NAMESPACE });
      const openedx = (e: unknown) =>
        convertOpenedx(e, {
          lmsRootUrl: PLATFORM,
          actorId: (u) => String(u.userId),
          courseName: () => undefined,
        });
      const expected: Record<Kind, [string, string]> = {
        a: ['converted', 'converted'],
        b: ['unsupported', 'converted'],
        c: ['invalid', 'converted'],
        x: ['unsupported', 'unsupported'],
      };
      let i = 0;
      const statementIds: string[] = [];
      for (const kind of ['a', 'b', 'c', 'x'] as const)
        for (let k = 0; k < N[kind]; k++) {
          const e = event(kind, i++);
          const line = JSON.stringify(e);
          const o = openedx(e);
          assert.deepEqual([ralph.convert(e, `${line}\n`).status, o.status], expected[kind], `kind ${kind}`);
          if (o.status === 'converted') assert.equal(o.statements.length, 1);
          lines[kind].push(line);
          const statementId =
            kind === 'a' ? ralph.convert(e, `${line}\n`).statement?.id : o.statements[0]?.id;
          if (kind !== 'x') statementIds.push(`${kind} ${String(statementId)}`);
        }

      await pipeline.startAll({ convert: DEFECTIVE });
      dlqStart = await pipeline.topicEnds(TOPICS.deadLetterIdentified);
      const rawStart = await pipeline.topicEnds(TOPICS.raw);
      await pipeline.postEdx([...lines.a, ...lines.b, ...lines.c, ...lines.x]);
      // The event ids ingest gave the run's events (raw topic: written once, by this run's ingest).
      const raw = await pipeline.readRange(TOPICS.raw, rawStart, (value) => {
        const text = (value.payload as Buffer | null)?.toString('utf8') ?? '';
        const kind = text.includes(marker) ? /"kind":"(\w)"/.exec(text)?.[1] : undefined;
        return kind === undefined ? undefined : `${kind} ${String(value.event_id)}`;
      });
      assert.equal(raw.length, N.a + N.b + N.c + N.x, 'every event accepted once');
      const kindOf = new Map(raw.map((r) => [r.slice(2), r[0] as Kind]));
      for (const [keyed, id] of keyedEventIds(kindOf.keys(), join(pipeline.dir, 'key')))
        keyedIds.set(keyed, kindOf.get(id) as Kind);
      const kindOfStatement = new Map(statementIds.map((s) => [s.slice(2), s[0] as Kind]));
      for (const [keyed, id] of keyedStatementIds(kindOfStatement.keys(), join(pipeline.dir, 'key')))
        expectedDocs.set(keyed, kindOfStatement.get(id) as Kind);
      const distinct = (letters: string[], kind: Kind) =>
        new Set(letters.filter((l) => l.startsWith(`${kind} `)).map((l) => l.split(' ')[4])).size;
      await waitFor(
        'the defective run: A indexed, B, C and X dead-lettered',
        async () => {
          const letters = await myDeadLetters();
          const docs = await indexed(['a']);
          const all = (['b', 'c', 'x'] as const).every((k) => distinct(letters, k) >= N[k]);
          return all && docs.expected >= N.a ? true : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 1000 },
      );
      await quiet();
      for (const entry of await myDeadLetters()) {
        const [kind, , , , id] = entry.split(' ');
        letterCount[kind as Kind] += 1;
        if (!deadLetterIds[kind as Kind].includes(id as string))
          deadLetterIds[kind as Kind].push(id as string);
      }
      alone = L('b', 'c', 'x') === N.b + N.c + N.x;
    });

    after(() => pipeline.cleanUp());

    test('the defective convert dead-lettered exactly the events its converter does not know', async (t) => {
      const letters = await myDeadLetters();
      const byKindCode = new Map<string, Set<string>>();
      for (const l of letters) {
        const [kind, stage, code, pointer, id] = l.split(' ');
        const k = `${kind} ${stage} ${code} ${pointer}`;
        byKindCode.set(k, (byKindCode.get(k) ?? new Set()).add(id as string));
      }
      const copies = letters.length / (N.b + N.c + N.x);
      t.diagnostic(`${letters.length} dead letters for ${N.b + N.c + N.x} events (${copies} copies each)`);
      assert.deepEqual(
        Object.fromEntries([...byKindCode].map(([k, ids]) => [k, ids.size])),
        {
          'b convert RALPH_EVENT_UNSUPPORTED /event_type': N.b,
          'c convert RALPH_FIELD_TYPE /event': N.c,
          'x convert RALPH_EVENT_UNSUPPORTED /event_type': N.x,
        },
        'every B, C and X event dead-lettered with the code of its kind, no A event',
      );
      await assertIndexedOnce(t, ['a'], 'A indexed once each, nothing else');
    });

    test('list: counts by stage and code, samples without the payload', async () => {
      const result = await cli(['list', '--stage', 'convert', '--json', ...eventIdArgs('b', 'c', 'x')]);
      assert.equal(result.code, 0, result.stderr);
      const listing = JSON.parse(result.stdout) as {
        matched: number;
        byCode: Record<string, number>;
        bySourceTopic: Record<string, number>;
        byRedriveStatus: Record<string, number>;
        samples: Record<string, unknown>[];
      };
      assert.equal(listing.matched, L('b', 'c', 'x'));
      assert.deepEqual(listing.byCode, {
        'convert RALPH_EVENT_UNSUPPORTED': L('b', 'x'),
        'convert RALPH_FIELD_TYPE': L('c'),
      });
      assert.deepEqual(listing.bySourceTopic, { [TOPICS.edxValid]: L('b', 'c', 'x') });
      assert.equal(listing.byRedriveStatus.pending, L('b', 'c', 'x'));
      assert.equal(listing.samples.length, 6, 'three samples per code');
      for (const s of listing.samples) assert.ok(!('payload' in s));
      assert.ok(!result.stdout.includes(marker), 'no personal data (the learners usernames) in the listing');
      const text = await cli(['list', '--stage', 'convert', ...eventIdArgs('c')]);
      assert.match(text.stdout, new RegExp(`convert RALPH_FIELD_TYPE\\s+${L('c')}\n`));
    });

    test('filters select exactly what they say (dry runs write nothing)', async () => {
      const mine = eventIdArgs('b', 'c', 'x');
      const selected = async (args: string[]) => {
        const { summary, result } = await redrive(['--dry-run', ...mine, ...args]);
        assert.equal(result.code, 0, result.stderr.slice(-2000));
        return summary.selected;
      };
      assert.equal(await selected([]), L('b', 'c', 'x'));
      assert.equal(await selected(['--code', 'RALPH_FIELD_TYPE']), L('c'));
      assert.equal(
        await selected(['--code', 'RALPH_FIELD_TYPE', '--code', 'RALPH_EVENT_UNSUPPORTED']),
        L('b', 'c', 'x'),
      );
      assert.equal(await selected(['--pointer', '/event_type']), L('b', 'x'));
      assert.equal(await selected(['--pointer', '/event']), L('c'));
      assert.equal(await selected(['--source-topic', TOPICS.edxValid]), L('b', 'c', 'x'));
      assert.equal(await selected(['--source-topic', TOPICS.raw]), 0);
      assert.equal(await selected(['--since', new Date(t0 - 60_000).toISOString()]), L('b', 'c', 'x'));
      // After the selection's own --since (t0 - 60 s; --since >= --until is a usage error), before every letter.
      assert.equal(await selected(['--until', new Date(t0 - 30_000).toISOString()]), 0);
      assert.equal(await selected(['--since', String(Date.now() + 60_000)]), 0);
      const dry = await redrive(['--dry-run', ...eventIdArgs('b')]);
      assert.equal(dry.summary.redriven, L('b'), 'a dry run says what it would redrive');
      const other = await cli(['redrive', '--stage', 'validate', '--dry-run', '--json', ...mine]);
      assert.equal((JSON.parse(other.stdout) as Summary).selected, 0, 'another stage selects none of them');
      const bad = await cli(['redrive', '--code', 'X']);
      assert.equal(bad.code, 2, 'redrive without --stage is a usage error');
    });

    test('a dead letter whose source record is gone is unavailable, unless its payload is a whole input record', async () => {
      const codec = createSchemaCodec({ url: requiredEnv('SCHEMA_REGISTRY_URL') });
      const dlqId = await codec.lookupValueSchemaId(
        TOPICS.deadLetterIdentified,
        valueSchemaOf('deadLetterIdentified'),
      );
      const inputId = await codec.lookupValueSchemaId(TOPICS.edxValid, valueSchemaOf('edxValid'));
      const gone = (await pipeline.topicEnds(TOPICS.edxValid)).get(0)! + 1_000_000_000;
      const record: EdxEvent = {
        event_id: `rd-${run}-u3`,
        received_at: Date.now(),
        origin: { topic: TOPICS.raw, partition: 0, offset: 0 },
        event_type: 'play_video',
        event_source: 'browser',
        time: null,
        course_id: course,
        model: null,
        validation: 'unknown',
        event_json: '{}',
        raw_line: null,
      };
      const encodedRecord = await codec.encode(inputId, record).catch(() => undefined);
      const letter = (id: string, payload: Buffer | null, truncated: boolean) => ({
        event_id: id,
        stage: 'convert',
        error_code: 'RD_TEST_SOURCE_GONE',
        error_message: 'Planted by the redrive test.',
        error_pointer: null,
        source_topic: TOPICS.edxValid,
        source_partition: 0,
        source_offset: gone,
        payload,
        failed_at: Date.now(),
        payload_sha256: null,
        payload_bytes: payload?.length ?? null,
        payload_truncated: truncated,
      });
      const planted = [
        letter(`rd-${run}-u1`, Buffer.from('{"only":"the first bytes'), true),
        letter(`rd-${run}-u2`, Buffer.from('{"a":"json line, as convert keeps it"}'), false),
        ...(encodedRecord ? [letter(`rd-${run}-u3`, encodedRecord, false)] : []),
      ];
      assert.ok(encodedRecord, 'an edx.valid.v1 record encodes (the payload fallback case)');
      const producer = pipeline.kafka.producer();
      await producer.connect();
      await producer.send({
        topic: TOPICS.deadLetterIdentified,
        acks: -1,
        messages: await Promise.all(
          planted.map(async (l) => ({ key: l.event_id, value: await codec.encode(dlqId, l) })),
        ),
      });
      await producer.disconnect();

      const unavailable = await redrive([
        '--since',
        '10m',
        '--event-id',
        `rd-${run}-u1`,
        '--event-id',
        `rd-${run}-u2`,
      ]);
      assert.equal(unavailable.result.code, 1, 'unavailable dead letters make the exit status 1');
      assert.equal(unavailable.summary.selected, 2);
      assert.equal(unavailable.summary.unavailable, 2);
      assert.equal(unavailable.summary.redriven, 0);
      const reasons = Object.keys(unavailable.summary.reasons).join(' | ');
      assert.match(reasons, /past the end of its partition, and the dead letter holds only the first bytes/);
      assert.match(reasons, /past the end of its partition, and its payload is what the stage kept/);
      const again = await redrive([
        '--since',
        '10m',
        '--event-id',
        `rd-${run}-u1`,
        '--event-id',
        `rd-${run}-u2`,
      ]);
      assert.equal(again.summary.skipped.unavailable, 2, 'recorded in the ledger: not tried twice');
      assert.equal(again.result.code, 0);

      const fallback = await redrive(['--dry-run', '--since', '10m', '--event-id', `rd-${run}-u3`]);
      assert.equal(fallback.summary.redriven, 1);
      assert.equal(
        fallback.summary.redrivenFromPayload,
        1,
        'a whole record of the input topic stands in for its source',
      );
    });

    test('the fixed convert is deployed; redrive turns the dead letters into statements, each indexed once', async (t) => {
      await quiet();
      await snapshot('convert', 'defective');
      await pipeline.kill('convert', 'SIGTERM');
      await pipeline.start('convert', FIXED);

      const first = await redrive([...eventIdArgs('b', 'c'), ...waitArgs]);
      t.diagnostic(
        `redrive: ${first.summary.redriven} dead letters in ${first.summary.elapsedMs} ms, stage caught up after ${first.summary.waitedMs} ms more`,
      );
      assert.equal(first.result.code, 0, first.result.stderr.slice(-2000));
      assert.equal(first.summary.selected, L('b', 'c'));
      assert.equal(first.summary.redriven, L('b', 'c'), 'every dead letter redriven once');
      assert.equal(first.summary.skipped.total + first.summary.parked + first.summary.unavailable, 0);
      assert.equal(first.summary.caughtUp, true);
      assert.deepEqual(first.summary.failedAgain, { total: 0, byCode: {} });
      const decisions = first.result.stderr.split('\n').filter((l) => l.includes('"decision":"redriven"'));
      assert.equal(decisions.length, L('b', 'c'), 'one log line per decision');
      assert.ok(!first.result.stderr.includes(marker), 'no personal data in the log lines');

      const all = N.a + N.b + N.c;
      await waitFor(
        'every A, B and C event indexed',
        async () => ((await indexed()).expected >= all ? true : undefined),
        {
          timeoutMs: 60_000,
          intervalMs: 1000,
        },
      );
      await quiet();
      await assertIndexedOnce(t, ['a', 'b', 'c'], 'each event indexed exactly once');

      const second = await redrive([...eventIdArgs('b', 'c'), ...waitArgs]);
      assert.equal(second.result.code, 0);
      assert.equal(second.summary.redriven, 0, 'a second redrive redrives nothing');
      assert.equal(second.summary.skipped.redriven, L('b', 'c'));
      await quiet();
      await assertIndexedOnce(t, ['a', 'b', 'c'], 'still exactly once');
    });

    test('loop guard: an event no converter knows is parked after --max-attempts', async () => {
      const x = [...eventIdArgs('x'), '--max-attempts', '2', ...waitArgs];
      const r1 = await redrive(x);
      assert.equal(r1.summary.redriven, L('x'));
      assert.deepEqual(r1.summary.failedAgain, {
        total: L('x'),
        byCode: { OPENEDX_EVENT_UNSUPPORTED: L('x') },
      });
      assert.equal(r1.result.code, 1, 'failed again: exit status 1');
      const r2 = await redrive(x);
      assert.equal(r2.summary.skipped.redriven, L('x'), 'the first dead letters are in the ledger');
      assert.equal(r2.summary.redriven, L('x'), 'their new dead letters are redriven (attempt 2)');
      assert.equal(r2.summary.failedAgain?.total, L('x'));
      const r3 = await redrive(x);
      assert.equal(r3.summary.redriven, 0);
      assert.equal(r3.summary.parked, L('x'), 'attempt 3 > --max-attempts 2: parked');
      assert.equal(r3.result.code, 1);
      assert.match(Object.keys(r3.summary.reasons)[0] ?? '', /after 2 redrive\(s\); the limit is 2/);
      const r4 = await redrive(x);
      assert.equal(r4.summary.skipped.parked, L('x'), 'parked stays parked');
      assert.equal(r4.summary.redriven + r4.summary.parked, 0);
      assert.equal(r4.result.code, 0);
      const letters = await myDeadLetters();
      assert.equal(
        letters.filter((l) => l.startsWith('x ')).length,
        3 * L('x'),
        'X: one dead letter per attempt, no more',
      );
      assert.equal(
        letters.filter((l) => !l.startsWith('x ')).length,
        L('b', 'c'),
        'B and C did not fail again',
      );
    });

    test('every stage counter adds up: consumed = passed + dead-lettered + filtered (both convert deployments summed)', async () => {
      await quiet();
      for (const stage of ['validate', 'convert', 'anonymize', 'index'] as const)
        await snapshot(stage, 'end');
      for (const [stage, texts] of stageMetrics) {
        const sum = (name: string) =>
          texts.reduce((s, text) => s + metricSum(text, `lrstream_${stage}_events_${name}_total`), 0);
        const consumed = sum('consumed');
        const accounted = sum('passed') + sum('dead_lettered') + sum('filtered');
        assert.equal(
          consumed,
          accounted,
          `${stage}: consumed ${consumed}, passed + dead-lettered + filtered ${accounted}`,
        );
      }
      const [defective, fixed] = stageMetrics.get('convert')!;
      const deadLettered = (text: string, code: string) =>
        metricSum(
          text
            .split('\n')
            .filter((l) => l.includes(`code="${code}"`))
            .join('\n'),
          'lrstream_convert_events_dead_lettered_total',
        );
      assert.ok(deadLettered(defective!, 'RALPH_EVENT_UNSUPPORTED') >= L('b', 'x'));
      assert.ok(deadLettered(defective!, 'RALPH_FIELD_TYPE') >= L('c'));
      assert.ok(
        deadLettered(fixed!, 'OPENEDX_EVENT_UNSUPPORTED') >= 2 * L('x'),
        'the two redriven rounds of X',
      );
      assert.ok(metricSum(fixed!, 'lrstream_convert_events_consumed_total') >= L('b', 'c') + 2 * L('x'));
    });
  },
);

// Redrive speed, on demand (REDRIVE_BENCH_EVENTS=10000): that many events dead-lettered by the
// defective convert, then redriven to the fixed one with --wait; the figures go to docs/replay.md ("Dead-letter redrive").
const BENCH_EVENTS = Number(process.env.REDRIVE_BENCH_EVENTS ?? 0);

describe(
  'replay dlq: redrive speed',
  { timeout: 900_000, skip: BENCH_EVENTS > 0 ? false : 'set REDRIVE_BENCH_EVENTS=10000 to measure' },
  () => {
    const run = randomUUID().slice(0, 8);
    const pipeline = new Pipeline({ name: 'rdlqb', run, startFrom: 'latest' });
    const course = `course-v1:FUN+RB${run}+2026_T1`;
    after(() => pipeline.cleanUp());

    test(`${BENCH_EVENTS} dead letters redriven and indexed`, async (t) => {
      await pipeline.startAll({ convert: DEFECTIVE });
      const t0 = Date.now();
      const lines: string[] = [];
      for (let i = 0; i < BENCH_EVENTS; i++) {
        const userId = 8_000_000 + (i % 200);
        lines.push(
          JSON.stringify({
            username: `rb-${run}-${userId}`,
            session: 'f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0',
            ip: '198.51.100.7',
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
              id: `block-v1:FUN+RB${run}+2026_T1+type@sequential+block@s${i}`,
              current_tab: 1,
              tab_count: 4,
              target_tab: 2,
            }),
          }),
        );
      }
      for (let i = 0; i < lines.length; i += 1000) await pipeline.postEdx(lines.slice(i, i + 1000));
      const convertMetric = async () =>
        metricSum(
          (await pipeline.metrics('convert'))
            .split('\n')
            .filter((l) => l.includes('RALPH_EVENT_UNSUPPORTED'))
            .join('\n'),
          'lrstream_convert_events_dead_lettered_total',
        );
      await waitFor(
        'every event dead-lettered',
        async () => ((await convertMetric()) >= BENCH_EVENTS ? true : undefined),
        {
          timeoutMs: 300_000,
          intervalMs: 1000,
        },
      );
      await pipeline.kill('convert', 'SIGTERM');
      await pipeline.start('convert', FIXED);

      const started = Date.now();
      const child = spawn(
        process.execPath,
        [
          CLI,
          'replay',
          'dlq',
          'redrive',
          '--stage',
          'convert',
          '--code',
          'RALPH_EVENT_UNSUPPORTED',
          '--since',
          String(t0),
          '--wait',
          '--group',
          pipeline.groupId('convert'),
          '--wait-timeout',
          '600',
          '--json',
          '--log',
          join(pipeline.dir, 'redrive.log'),
        ],
        { env: { ...pipeline.serviceEnv, REPLAY_METRICS_PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      await new Promise((resolve) => child.on('exit', resolve));
      const summary = JSON.parse(stdout) as Summary;
      const count = async () => {
        await pipeline.es.indices.refresh({ index: `${pipeline.indexPrefix}*`, ignore_unavailable: true });
        const r = await pipeline.es.count({
          index: `${pipeline.indexPrefix}*`,
          ignore_unavailable: true,
          query: { term: { 'lrstream.course_id': course } },
        });
        return r.count;
      };
      await waitFor(
        'every redriven event indexed',
        async () => ((await count()) >= BENCH_EVENTS ? true : undefined),
        {
          timeoutMs: 600_000,
          intervalMs: 500,
        },
      );
      const indexedMs = Date.now() - started;
      const rate = (n: number, ms: number) => Math.round((n * 1000) / ms);
      t.diagnostic(
        `selected ${summary.selected} (read ${(summary as unknown as { read: number }).read}), redriven ${summary.redriven} in ${summary.elapsedMs} ms ` +
          `(${rate(summary.redriven, summary.elapsedMs)} records/s); convert read past them after ${summary.waitedMs} ms more; ` +
          `all ${BENCH_EVENTS} indexed ${indexedMs} ms after the command started (${rate(BENCH_EVENTS, indexedMs)} records/s)`,
      );
      assert.ok(summary.redriven >= BENCH_EVENTS);
      assert.equal(await count(), BENCH_EVENTS);
    });
  },
);
