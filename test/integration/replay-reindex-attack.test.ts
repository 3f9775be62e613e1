// Attacks on `lrstream replay reindex` (issue 14 item 3, blue/green reindex), written from the
// contract only: the issue text, `replay reindex --help`, docs/replay-reindex.md, ADR 0002 and
// services/index/README.md. The live index service runs as its own process (as an operator runs
// it), the CLI as a child process; the test only produces the anonymized records (the upstream)
// and reads Elasticsearch. Everything is the run's own: read alias `lrstream-xapi-atk-<run>`,
// consumer groups `atk-<run>-*`, records marked by one registration. Other engineers write the
// same topic meanwhile, so every count is of this run's documents only. What it attacks:
//   - wrong inputs: usage errors, `start`/`swap` of the serving generation, an unknown generation
//     or alias, Elasticsearch unreachable: clear errors, nothing changed;
//   - kill -9 of `start` mid catch-up: `swap` refuses with the numbers; `start` again ends exact;
//   - `swap` while records keep flowing and the live index service is restarted during the swap:
//     a query loop on the alias never sees fewer documents than before, never an error, never
//     doubles; the old generation's template stays detached (a new month stays out of the alias);
//   - the documented rollback (`swap --generation 0` without --group), drop-old refusals, drop-old
//     twice, swap back to a dropped generation, --allow-fewer and a rollback to an older generation;
//   - a swap right after a burst while the new generation's `start` is restarted (the swap may
//     accept a generation "less what its group has still to index" behind: the alias must not shrink).
// Failing on the code this was written against: `--generation ''` is read as generation 0 instead of
// a usage error; the JSON log lines' decision names (the docs list them) were "[redacted]" (a field
// named "event" is redacted by the logger; the field is now "decision", as documented).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import {
  createKafka,
  createRecordProducer,
  createSchemaCodec,
  parseBrokers,
  type RecordProducer,
} from '@lrstream/kafka';
import type { XapiAnonymized } from '@lrstream/schemas';
import { REPO_ROOT, requiredEnv, waitFor } from '@lrstream/test';
import { freePort } from './delivery-harness.js';

const CLI = join(REPO_ROOT, 'shared/cli/bin/lrstream.js');
const INITIAL = 5000;
const OCT = '2026-10-15T10:00:00.000Z';
const NOV = '2026-11-15T10:00:00.000Z';
const twoMonths = (i: number) => (i % 2 === 0 ? OCT : NOV);

function record(id: string, registration: string, timestamp: string): XapiAnonymized {
  const statement = {
    id,
    actor: {
      objectType: 'Agent',
      account: { homePage: 'https://lms.example.org', name: `p-${id.slice(0, 8)}` },
    },
    verb: { id: 'https://w3id.org/xapi/video/verbs/played', display: { 'en-US': 'played' } },
    object: { objectType: 'Activity', id: 'https://lms.example.org/course/c1/video/v1' },
    context: { registration },
    timestamp,
    version: '1.0.3',
  };
  return {
    statement_id: id,
    event_id: randomUUID(),
    received_at: Date.now(),
    origin: { topic: 'events.raw.v1', partition: 0, offset: 0 },
    source_format: 'xapi',
    timestamp: Date.parse(timestamp),
    verb_id: statement.verb.id,
    object_type: 'Activity',
    object_id: statement.object.id,
    course_id: 'course-v1:Org+ATK+2026',
    actor_pseudonym: statement.actor.account.name,
    policy: 'pseudonymize@1',
    key_id: 'atk-key',
    statement_json: JSON.stringify(statement),
    time_granularity_ms: null,
  };
}

interface Proc {
  child: ChildProcess;
  out: string[];
  err: string[];
  exit: Promise<number | string>;
  exited: boolean;
}

function spawnProc(args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc: Proc = { child, out: [], err: [], exit: Promise.resolve(0), exited: false };
  child.stdout?.on('data', (c: Buffer) => proc.out.push(c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => proc.err.push(c.toString('utf8')));
  proc.exit = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      proc.exited = true;
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  return proc;
}

/** The JSON lines a `--json` CLI printed on stdout so far. */
function events(proc: Proc): Record<string, unknown>[] {
  return proc.out
    .join('')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
}

describe('replay reindex attacked from its contract (real stack)', () => {
  const run = randomUUID().slice(0, 8);
  const alias = `lrstream-xapi-atk-${run}`;
  const group = (g: number | string) => `atk-${run}-g${g}`;
  const liveGroup = `atk-${run}-index`;
  const registration = randomUUID();
  const es = new Client({ node: requiredEnv('ELASTICSEARCH_URL') });
  const kafka = createKafka({ brokers: parseBrokers(requiredEnv('KAFKA_BROKERS')), clientId: `atk-${run}` });
  const stackEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    KAFKA_BROKERS: requiredEnv('KAFKA_BROKERS'),
    SCHEMA_REGISTRY_URL: requiredEnv('SCHEMA_REGISTRY_URL'),
    ELASTICSEARCH_URL: requiredEnv('ELASTICSEARCH_URL'),
    LOG_LEVEL: 'info',
  };
  const procs: Proc[] = [];
  const sent: string[] = [];
  let producer: RecordProducer;
  let live: Proc | undefined;
  let reindex1: Proc | undefined;
  let reindex2: Proc | undefined;
  const t0 = Date.now();

  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const proc = spawnProc([CLI, 'replay', 'reindex', ...args, '--json', '--metrics-port', '0'], {
      ...stackEnv,
      ...env,
    });
    procs.push(proc);
    return proc;
  };
  const cliOnce = async (args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 90_000) => {
    const proc = cli(args, env);
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
    const started = Date.now();
    const code = await proc.exit;
    clearTimeout(timer);
    const all = events(proc);
    return { code, result: all.at(-1) ?? {}, stderr: proc.err.join(''), ms: Date.now() - started };
  };
  /** The index service as deployed: its own process, ready at /readyz. */
  const startService = async (generation: number, groupId: string) => {
    const port = await freePort();
    const proc = spawnProc([join(REPO_ROOT, 'services/index/dist/main.js')], {
      ...stackEnv,
      METRICS_PORT: String(port),
      GROUP_ID: groupId,
      INDEX_PREFIX: alias,
      START_FROM: 'latest',
      ...(generation > 0 ? { INDEX_GENERATION: String(generation) } : {}),
    });
    procs.push(proc);
    await waitFor(
      `index service g${generation} ready`,
      async () => {
        if (proc.exited) throw new Error(`index service exited: ${proc.err.join('').slice(-2000)}`);
        return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    return proc;
  };
  const stop = async (proc: Proc | undefined, signal: NodeJS.Signals = 'SIGTERM') => {
    if (!proc || proc.exited) return;
    proc.child.kill(signal);
    await proc.exit;
  };
  const send = async (count: number, month: (i: number) => string) => {
    const records = Array.from({ length: count }, (_, i) => record(randomUUID(), registration, month(i)));
    for (let i = 0; i < records.length; i += 500)
      await producer.send(
        'xapiAnonymized',
        records.slice(i, i + 500).map((r) => ({ key: r.actor_pseudonym ?? r.event_id, value: r })),
      );
    const ids = records.map((r) => r.statement_id);
    sent.push(...ids);
    return ids;
  };
  const ours = { term: { 'context.registration': registration } };
  const countOurs = async (index: string) =>
    (await es.count({ index, query: ours, ignore_unavailable: true, allow_no_indices: true })).count;
  const waitCount = (what: string, index: string, expected: number, timeoutMs = 90_000) =>
    waitFor(
      `${what}: ${expected} of the run's documents in ${index}`,
      async () => {
        await es.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true });
        return (await countOurs(index)) === expected ? true : undefined;
      },
      { timeoutMs, intervalMs: 500 },
    );
  /** Every one of the run's hits (id, index, version). */
  const ourHits = async (index: string) => {
    await es.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true });
    const found: { id: string; index: string; version: number }[] = [];
    let searchAfter: (string | number)[] | undefined;
    for (;;) {
      const { hits } = await es.search({
        index,
        size: 5000,
        _source: false,
        version: true,
        query: ours,
        sort: [{ 'lrstream.event_id': 'asc' }],
        ...(searchAfter ? { search_after: searchAfter } : {}),
      });
      for (const h of hits.hits) found.push({ id: h._id ?? '', index: h._index, version: h._version ?? 1 });
      if (hits.hits.length < 5000) return found;
      searchAfter = hits.hits.at(-1)?.sort as (string | number)[];
    }
  };
  const aliasTargets = async () =>
    Object.keys(await es.indices.getAlias({ name: alias }).catch(() => ({}))).sort();
  const generationIndices = async (generation: number) =>
    (await es.cat.indices({ index: `${alias}-*`, format: 'json', h: 'index' }))
      .map((r) => r.index as string)
      .filter((name) =>
        generation === 0 ? !name.startsWith(`${alias}-g`) : name.startsWith(`${alias}-g${generation}-`),
      )
      .sort();
  const assertExactlyOnce = async (index: string, ids: readonly string[], what: string) => {
    const hits = await ourHits(index);
    const seen = hits.map((h) => h.id);
    const distinct = new Set(seen);
    assert.equal(seen.length - distinct.size, 0, `${what}: no document twice`);
    const missing = ids.filter((id) => !distinct.has(id));
    assert.deepEqual(missing.slice(0, 5), [], `${what}: ${missing.length} of ${ids.length} missing`);
    assert.equal(seen.length, ids.length, `${what}: exactly the ${ids.length} sent`);
    return hits;
  };
  before(async () => {
    producer = await createRecordProducer(kafka, createSchemaCodec({ url: stackEnv.SCHEMA_REGISTRY_URL! }), [
      'xapiAnonymized',
    ]);
    live = await startService(0, liveGroup);
    await send(INITIAL, twoMonths);
    await waitCount('generation 0 built by the live index service', alias, INITIAL, 120_000);
  });

  after(async () => {
    // SIGTERM first (members leave their groups, so the groups can be deleted), then SIGKILL.
    for (const proc of procs) if (!proc.exited) proc.child.kill('SIGTERM');
    await Promise.race([Promise.all(procs.map((p) => p.exit)), new Promise((r) => setTimeout(r, 15_000))]);
    for (const proc of procs) await stop(proc, 'SIGKILL');
    await producer?.disconnect().catch(() => undefined);
    await es.indices
      .delete({ index: `${alias}-*`, ignore_unavailable: true, allow_no_indices: true })
      .catch(() => undefined);
    for (const name of [alias, ...[0, 1, 2, 3, 5, 7].map((g) => `${alias}-g${g}`)])
      await es.indices.deleteIndexTemplate({ name }).catch(() => undefined);
    await es.close();
    const admin = kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([liveGroup, ...[0, 1, 2, 3, 5, 7, 'u'].map(group)]))
      .catch(() => undefined)
      .finally(() => admin.disconnect());
  });

  test('usage errors: exit 2, nothing created', async () => {
    for (const args of [
      ['start'],
      ['start', '--generation', '-1'],
      ['start', '--generation', 'abc'],
      ['start', '--generation', '1.5'],
      ['swap', '--generation', '', '--wait', '2'],
      ['start', '--generation', '1', '--from', 'raw'],
      ['frobnicate'],
    ]) {
      const r = await cliOnce([...args, '--alias', alias, '--group', group('u')]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr.slice(-300)}`);
    }
    assert.deepEqual(await generationIndices(1), []);
  });

  test('Elasticsearch unreachable: exit 1 with a clear error, nothing changed', async () => {
    const before = await aliasTargets();
    for (const args of [['status'], ['swap', '--generation', '1', '--group', group(1), '--wait', '1']]) {
      const r = await cliOnce([...args, '--alias', alias], { ELASTICSEARCH_URL: 'http://127.0.0.1:1' });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /ECONNREFUSED|Elasticsearch|unreachable/i);
    }
    assert.deepEqual(await aliasTargets(), before);
  });

  test('start of the serving generation (0) is refused: it would write the served indices in place', async () => {
    const before = new Map((await ourHits(alias)).map((h) => [h.id, h.version]));
    const r = await cliOnce(
      [
        'start',
        '--alias',
        alias,
        '--generation',
        '0',
        '--group',
        group(0),
        '--since',
        String(t0),
        '--exit-when-caught-up',
      ],
      {},
      60_000,
    );
    const after = await ourHits(alias);
    const rewritten = after.filter((h) => h.version !== before.get(h.id)).length;
    assert.notEqual(
      r.code,
      0,
      `start --generation 0 (the generation behind the read alias) was accepted; it re-indexed ` +
        `${rewritten} of the run's ${before.size} served documents in place (no blue/green): ${JSON.stringify(r.result)}`,
    );
    assert.equal(rewritten, 0, 'nothing rewritten in the served generation');
  });

  test('swap to the generation already serving says so at once, nothing moves', async () => {
    const before = await aliasTargets();
    const r = await cliOnce([
      'swap',
      '--alias',
      alias,
      '--generation',
      '0',
      '--group',
      liveGroup,
      '--wait',
      '3',
    ]);
    assert.deepEqual(await aliasTargets(), before);
    assert.match(
      JSON.stringify(r.result) + r.stderr,
      /ALREADY_SERVING|already/i,
      `docs: "swap again: it says the generation already serves"; got code ${r.code} ${JSON.stringify(r.result)}`,
    );
    assert.equal(r.code, 1);
    assert.ok(r.ms < 10_000, `at once (${r.ms} ms)`);
    // The same without --group, as the docs write it (generation 0's group per the docs: the service's).
    const d = await cliOnce(['swap', '--alias', alias, '--generation', '0', '--wait', '3']);
    assert.deepEqual(await aliasTargets(), before);
    assert.equal(
      d.result.refused,
      'ALREADY_SERVING',
      `swap --generation 0 (serving) without --group: ${JSON.stringify(d.result)}`,
    );
  });

  test('unknown generation / unknown alias / nothing to drop: refused cleanly', async () => {
    const before = await aliasTargets();
    const unknown = await cliOnce([
      'swap',
      '--alias',
      alias,
      '--generation',
      '7',
      '--group',
      group(7),
      '--wait',
      '1',
    ]);
    assert.equal(unknown.code, 1, unknown.stderr);
    assert.ok(typeof unknown.result.refused === 'string', JSON.stringify(unknown.result));
    assert.deepEqual(await aliasTargets(), before);
    assert.deepEqual(await generationIndices(7), []);

    const noAlias = await cliOnce(['swap', '--alias', `${alias}-nope`, '--generation', '1', '--wait', '1']);
    assert.equal(noAlias.code, 1, noAlias.stderr);

    const noPrevious = await cliOnce(['drop-old', '--alias', alias]);
    assert.equal(noPrevious.code, 1);
    assert.equal(noPrevious.result.refused, 'NO_PREVIOUS');
    const serving = await cliOnce(['drop-old', '--alias', alias, '--generation', '0']);
    assert.equal(serving.code, 1);
    assert.equal(serving.result.refused, 'BEHIND_READ_ALIAS');
    const nothing = await cliOnce(['drop-old', '--alias', alias, '--generation', '3', '--group', group(3)]);
    assert.ok(
      nothing.code === 0 || nothing.code === 1,
      `drop-old of a generation that never existed: ${nothing.stderr}`,
    );
    assert.deepEqual(await aliasTargets(), before);
    assert.equal(await countOurs(alias), INITIAL);
  });

  test('kill -9 of start mid catch-up: swap refuses with the numbers; start again ends exact', async () => {
    const args = ['start', '--alias', alias, '--generation', '1', '--group', group(1), '--since', String(t0)];
    const first = cli(args);
    // Mid catch-up: some but not all of the run's documents in generation 1 (the stage commits
    // after Elasticsearch acknowledged, so documents there may be ahead of the group's commits).
    const killedAt = await waitFor(
      'the reindex to be mid catch-up',
      async () => {
        if (first.exited) throw new Error(`start exited: ${first.err.join('').slice(-1000)}`);
        const n = await countOurs(`${alias}-g1-*`).catch(() => 0);
        return n > 0 && n < INITIAL ? n : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 20 },
    );
    first.child.kill('SIGKILL');
    await first.exit;
    process.stderr.write(`killed start with ${killedAt} of ${INITIAL} documents in generation 1\n`);

    const early = await cliOnce([
      'swap',
      '--alias',
      alias,
      '--generation',
      '1',
      '--group',
      group(1),
      '--wait',
      '1',
    ]);
    assert.equal(early.code, 1, early.stderr);
    assert.equal(early.result.refused, 'NOT_CAUGHT_UP');
    assert.match(String(early.result.message), /lag \d+/);
    assert.ok(
      (await aliasTargets()).every((i) => !i.startsWith(`${alias}-g1-`)),
      'alias not moved',
    );

    reindex1 = cli(args);
    await waitFor(
      'the restarted reindex to catch up',
      async () => events(reindex1!).find((e) => e.event === 'caught-up'),
      {
        timeoutMs: 120_000,
        intervalMs: 250,
      },
    );
    await waitCount('generation 1 rebuilt', `${alias}-g1-*`, INITIAL);
    await assertExactlyOnce(`${alias}-g1-*`, sent, 'generation 1 after kill -9 and restart');
    assert.ok(
      (await aliasTargets()).every((i) => !i.startsWith(`${alias}-g1-`)),
      'g1 not searched before its swap',
    );
  });

  test('the JSON log lines name each decision (docs: `start`, `caught-up`, ...)', () => {
    const logged = reindex1!.err
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const names = logged.map((l) => l.decision);
    assert.ok(
      names.includes('start') && names.includes('caught-up'),
      `stderr log lines' "decision" fields: ${JSON.stringify([...new Set(names)])}`,
    );
  });

  test('swap while records flow and the live service restarts: the alias never shows fewer, never doubles', async () => {
    let flowing = true;
    const sender = (async () => {
      while (flowing) {
        await send(20, twoMonths);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const samples: { at: number; count: number; sentBefore: number; sentAfter: number }[] = [];
    const errors: string[] = [];
    let looping = true;
    const loop = (async () => {
      while (looping) {
        const sentBefore = sent.length;
        try {
          const count = await countOurs(alias);
          samples.push({ at: Date.now(), count, sentBefore, sentAfter: sent.length });
        } catch (err) {
          errors.push((err as Error).message);
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 1000));
    const swapStart = Date.now();
    // The live (generation 0) index service is killed and restarted while the swap runs.
    const [swap] = await Promise.all([
      cliOnce(['swap', '--alias', alias, '--generation', '1', '--group', group(1), '--wait', '30']),
      (async () => {
        await stop(live, 'SIGKILL');
        live = await startService(0, liveGroup);
      })(),
    ]);
    const swapEnd = Date.now();
    await new Promise((r) => setTimeout(r, 1000));
    looping = false;
    await loop;
    flowing = false;
    await sender;
    process.stderr.write(
      `swap under flow: exit ${swap.code} in ${swap.ms} ms\n${swap.stderr.slice(-3000)}\n`,
    );
    assert.equal(swap.code, 0, swap.stderr.slice(-2000));
    assert.deepEqual(errors, [], 'no query failed');
    const inSwap = samples.filter((s) => s.at >= swapStart && s.at <= swapEnd).length;
    let fewer = 0;
    let worst = 0;
    for (let i = 1; i < samples.length; i++) {
      const drop = samples[i - 1]!.count - samples[i]!.count;
      if (drop > 0) fewer++;
      worst = Math.max(worst, drop);
    }
    const doubled = samples.filter((s) => s.count > s.sentAfter);
    process.stderr.write(
      `swap ${swapEnd - swapStart} ms, ${samples.length} samples (${inSwap} during), ${fewer} decreases (worst ${worst})\n`,
    );
    assert.deepEqual(doubled, [], 'never more documents than sent (no doubles)');
    assert.equal(
      fewer,
      0,
      `the query loop saw fewer documents than before ${fewer} times (worst: ${worst} fewer)`,
    );
  });

  test('after the swap: old template detached even after the live service restart; a new month stays out', async () => {
    const targets = await aliasTargets();
    assert.ok(targets.length > 0 && targets.every((i) => i.startsWith(`${alias}-g1-`)), targets.join(','));
    const status = await cliOnce(['status', '--alias', alias]);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(status.result.serving, { kind: 'one', generation: 1 });
    const gens = status.result.generations as { generation: number; templateAttachesAlias: boolean }[];
    assert.equal(gens.find((g) => g.generation === 0)?.templateAttachesAlias, false, JSON.stringify(gens));
    // Restart the generation-0 service once more after the swap ("it keeps its template's decision").
    await stop(live, 'SIGTERM');
    live = await startService(0, liveGroup);
    assert.deepEqual(await aliasTargets(), targets);
    await send(1, () => '2027-03-10T10:00:00.000Z');
    await waitCount('the new month in generation 0', `${alias}-2027.03`, 1);
    await waitCount('the new month in generation 1', `${alias}-g1-2027.03`, 1);
    assert.ok(
      !(await aliasTargets()).includes(`${alias}-2027.03`),
      'old generation new month not behind the alias',
    );
    await waitCount('everything sent, once, through the alias', alias, sent.length);
    await assertExactlyOnce(alias, sent, 'alias after the swap');
  });

  test('documented rollback `swap --generation 0` (no --group) while generation 0 is still written', async () => {
    // docs/replay-reindex.md "Rolling back before drop-old": `lrstream replay reindex swap --generation 0`
    // with the old service kept on its group. The template's _meta records the group writing it.
    const rollback = await cliOnce(['swap', '--alias', alias, '--generation', '0', '--wait', '10']);
    const targets = await aliasTargets();
    if (rollback.code === 0) {
      assert.ok(
        targets.every((i) => !i.startsWith(`${alias}-g`)),
        targets.join(','),
      );
      await assertExactlyOnce(alias, sent, 'alias after the rollback to generation 0');
      const forward = await cliOnce([
        'swap',
        '--alias',
        alias,
        '--generation',
        '1',
        '--group',
        group(1),
        '--wait',
        '20',
      ]);
      assert.equal(forward.code, 0, forward.stderr);
    }
    assert.ok((await aliasTargets()).every((i) => i.startsWith(`${alias}-g1-`)));
    assert.equal(rollback.code, 0, `rollback refused: ${JSON.stringify(rollback.result)}`);
  });

  test('drop-old refuses the still-written generation; after the redeploy it drops it and the alias serves everything', async () => {
    const written = await cliOnce(['drop-old', '--alias', alias]);
    assert.equal(written.code, 1, written.stderr);
    assert.equal(written.result.refused, 'STILL_WRITTEN');

    // The documented redeploy: the service on generation 1 joins the reindex's group, then start stops.
    const g1service = await startService(1, group(1));
    await stop(live, 'SIGTERM');
    live = g1service;
    await stop(reindex1, 'SIGTERM');
    assert.equal(await reindex1!.exit, 0, reindex1!.err.join('').slice(-1000));
    const afterRedeploy = await send(200, twoMonths);
    await waitCount('records sent after the redeploy, through the alias', alias, sent.length);
    assert.equal(afterRedeploy.length, 200);

    const dropped = await cliOnce(['drop-old', '--alias', alias]);
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.equal(dropped.result.generation, 0);
    assert.deepEqual(await generationIndices(0), [], 'generation 0 deleted');
    await assertExactlyOnce(alias, sent, 'alias after drop-old');

    const twice = await cliOnce(['drop-old', '--alias', alias]);
    assert.ok(twice.code === 0 || twice.code === 1, `drop-old twice: exit ${twice.code} ${twice.stderr}`);
    assert.notEqual(twice.result.generation, 1, 'never the serving generation');
    const back = await cliOnce([
      'swap',
      '--alias',
      alias,
      '--generation',
      '0',
      '--group',
      liveGroup,
      '--wait',
      '2',
    ]);
    assert.equal(back.code, 1, `swap back to a dropped generation: ${JSON.stringify(back.result)}`);
    await assertExactlyOnce(alias, sent, 'alias after the refused swap back');
  });

  test('--allow-fewer to a partial generation, then rollback to the older generation', async () => {
    const since = Date.now();
    reindex2 = cli([
      'start',
      '--alias',
      alias,
      '--generation',
      '2',
      '--group',
      group(2),
      '--since',
      String(since),
    ]);
    await waitFor(
      'generation 2 to catch up',
      async () => events(reindex2!).find((e) => e.event === 'caught-up'),
      {
        timeoutMs: 90_000,
      },
    );
    const later = await send(50, twoMonths);
    await waitCount('the late records in generation 2', `${alias}-g2-*`, 50);
    await waitCount('and through the alias', alias, sent.length);
    const fewer = await cliOnce([
      'swap',
      '--alias',
      alias,
      '--generation',
      '2',
      '--group',
      group(2),
      '--wait',
      '2',
    ]);
    assert.equal(fewer.code, 1);
    assert.equal(fewer.result.refused, 'FEWER_DOCUMENTS');
    assert.match(String(fewer.result.message), /\d+ fewer/);

    const allowed = await cliOnce([
      'swap',
      '--alias',
      alias,
      '--generation',
      '2',
      '--group',
      group(2),
      '--allow-fewer',
      '--wait',
      '10',
    ]);
    assert.equal(allowed.code, 0, allowed.stderr);
    await assertExactlyOnce(alias, later, 'alias on the partial generation 2');

    const rollback = await cliOnce([
      'swap',
      '--alias',
      alias,
      '--generation',
      '1',
      '--group',
      group(1),
      '--wait',
      '20',
    ]);
    assert.equal(rollback.code, 0, rollback.stderr);
    await assertExactlyOnce(alias, sent, 'alias after the rollback to generation 1');
    await stop(reindex2, 'SIGTERM');
    const drop2 = await cliOnce(['drop-old', '--alias', alias]);
    assert.equal(drop2.code, 0, drop2.stderr);
    assert.equal(drop2.result.generation, 2);
    await assertExactlyOnce(alias, sent, 'alias after dropping generation 2');
  });

  test('swap right after a burst while the new generation stage rejoins: never fewer through the alias', async () => {
    // Generation 3 built from the run's start and caught up, then its `start` restarted (Ctrl-C and
    // the same command again: "it resumes from its commits") while a burst arrives; the operator swaps.
    const args = ['start', '--alias', alias, '--generation', '3', '--group', group(3), '--since', String(t0)];
    const first = cli(args);
    await waitFor('generation 3 caught up', async () => events(first).find((e) => e.event === 'caught-up'), {
      timeoutMs: 90_000,
    });
    await waitCount('generation 3 holds everything', `${alias}-g3-*`, sent.length);
    await stop(first, 'SIGTERM');
    const again = cli(args);
    await send(2000, twoMonths);
    const samples: number[] = [];
    const errors: string[] = [];
    let looping = true;
    const loop = (async () => {
      while (looping)
        try {
          samples.push(await countOurs(alias));
        } catch (err) {
          errors.push((err as Error).message);
        }
    })();
    await waitFor('the served generation to show part of the burst', async () =>
      (samples.at(-1) ?? 0) > sent.length - 2000 ? true : undefined,
    );
    const swap = await cliOnce([
      'swap',
      '--alias',
      alias,
      '--generation',
      '3',
      '--group',
      group(3),
      '--wait',
      '20',
    ]);
    await new Promise((r) => setTimeout(r, 300));
    looping = false;
    await loop;
    process.stderr.write(`burst swap: exit ${swap.code} in ${swap.ms} ms\n${swap.stderr.slice(-1500)}\n`);
    let worst = 0;
    for (let i = 1; i < samples.length; i++) worst = Math.max(worst, samples[i - 1]! - samples[i]!);
    assert.deepEqual(errors, []);
    if (swap.code === 0) {
      assert.equal(
        worst,
        0,
        `after the swap the alias showed ${worst} fewer of the run's documents than before`,
      );
      await waitCount('generation 3 complete', alias, sent.length);
    } else
      assert.ok(
        (await aliasTargets()).every((i) => i.startsWith(`${alias}-g1-`)),
        'refused: nothing moved',
      );
    await stop(again, 'SIGTERM');
  });
});
