// Blue/green reindex on the real stack (issue 14 item 3): a read alias served by generation 0 (the
// index service as deployed today), `lrstream replay reindex start` building generation 1 from the
// anonymized topic as an operator runs it, `swap` while a query loop hammers the alias, the old
// generation's future indices kept out of the alias, the index service redeployed on generation 1,
// and `drop-old`. The alias, groups and statements are the run's own; other engineers' pipelines
// write the same topic meanwhile, so every count is of this run's documents only.
// REINDEX_BENCH_DOCS=20000 measures the reindex speed on that many documents.
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
import { startIndex, type IndexService } from '@lrstream/index';
import type { XapiAnonymized } from '@lrstream/schemas';
import { REPO_ROOT, requiredEnv, waitFor } from '@lrstream/test';

const CLI = join(REPO_ROOT, 'shared/cli/bin/lrstream.js');
const DOCS = Number(process.env.REINDEX_BENCH_DOCS ?? 1500);
const DURING = 300;
const AFTER = 100;

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
    course_id: 'course-v1:Org+C1+2026',
    actor_pseudonym: statement.actor.account.name,
    policy: 'pseudonymize@1',
    key_id: 'it-key',
    statement_json: JSON.stringify(statement),
    time_granularity_ms: null,
  };
}

interface Cli {
  child: ChildProcess;
  events: Record<string, unknown>[];
  stderr: string[];
  exit: Promise<number>;
}

function cli(args: string[]): Cli {
  const child = spawn(
    process.execPath,
    [CLI, 'replay', 'reindex', ...args, '--json', '--metrics-port', '0'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const out: Cli = { child, events: [], stderr: [], exit: Promise.resolve(0) };
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) out.events.push(JSON.parse(line) as Record<string, unknown>);
  });
  child.stderr?.on('data', (chunk: Buffer) => out.stderr.push(chunk.toString('utf8')));
  out.exit = new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  return out;
}

async function cliOnce(
  args: string[],
): Promise<{ code: number; result: Record<string, unknown>; stderr: string }> {
  const run = cli(args);
  const code = await run.exit;
  return { code, result: run.events.at(-1) ?? {}, stderr: run.stderr.join('') };
}

describe('replay reindex: blue/green generations on the real stack', () => {
  const run = randomUUID().slice(0, 8);
  const alias = `lrstream-xapi-it-rx${run}`;
  const groupA = `it-rx-${run}-index`;
  const groupB = `it-rx-${run}-index-g1`;
  const registration = randomUUID();
  const es = new Client({ node: requiredEnv('ELASTICSEARCH_URL') });
  const kafka = createKafka({
    brokers: parseBrokers(requiredEnv('KAFKA_BROKERS')),
    clientId: `it-rx-${run}`,
  });
  const env = {
    KAFKA_BROKERS: requiredEnv('KAFKA_BROKERS'),
    SCHEMA_REGISTRY_URL: requiredEnv('SCHEMA_REGISTRY_URL'),
    ELASTICSEARCH_URL: requiredEnv('ELASTICSEARCH_URL'),
    METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
    INDEX_PREFIX: alias,
  };
  let producer: RecordProducer;
  let live: IndexService | undefined;
  let reindex: Cli | undefined;
  const t0 = Date.now();

  const send = async (count: number, month: (i: number) => string) => {
    const records = Array.from({ length: count }, (_, i) => record(randomUUID(), registration, month(i)));
    for (let i = 0; i < records.length; i += 500)
      await producer.send(
        'xapiAnonymized',
        records.slice(i, i + 500).map((r) => ({ key: r.actor_pseudonym ?? r.event_id, value: r })),
      );
    return records.map((r) => r.statement_id);
  };
  const twoMonths = (i: number) => (i % 2 === 0 ? '2026-10-15T10:00:00.000Z' : '2026-11-15T10:00:00.000Z');
  const ours = { term: { 'context.registration': registration } };
  const countOurs = async (index: string) => (await es.count({ index, query: ours })).count;
  const waitCount = (what: string, index: string, expected: number, timeoutMs = 120_000) =>
    waitFor(
      `${what}: ${expected} documents in ${index}`,
      async () => {
        await es.indices.refresh({ index, ignore_unavailable: true });
        return (await countOurs(index)) === expected ? true : undefined;
      },
      { timeoutMs, intervalMs: 500 },
    );
  /** Every one of the run's hits (id, index), page by page (a search returns at most 10,000). */
  const ourHits = async (index: string) => {
    const found: { id: string; index: string }[] = [];
    let after: (string | number)[] | undefined;
    for (;;) {
      const { hits } = await es.search({
        index,
        size: 5000,
        _source: false,
        query: ours,
        sort: [{ 'lrstream.event_id': 'asc' }],
        ...(after ? { search_after: after } : {}),
      });
      for (const h of hits.hits) found.push({ id: h._id ?? '', index: h._index });
      if (hits.hits.length < 5000) return found;
      after = hits.hits.at(-1)?.sort as (string | number)[];
    }
  };
  const aliasTargets = async () => Object.keys(await es.indices.getAlias({ name: alias })).sort();
  const gen0Indices = async () =>
    (await es.cat.indices({ index: `${alias}-*`, format: 'json', h: 'index' }))
      .map((r) => r.index as string)
      .filter((name) => !name.startsWith(`${alias}-g`))
      .sort();

  before(async () => {
    producer = await createRecordProducer(kafka, createSchemaCodec({ url: env.SCHEMA_REGISTRY_URL }), [
      'xapiAnonymized',
    ]);
    // Generation 0: the index service as deployed before generations existed (INDEX_GENERATION unset).
    live = await startIndex({ ...env, GROUP_ID: groupA, START_FROM: 'latest' });
    await waitFor('generation 0 index ready', async () => (live?.ready() ? true : undefined));
  });

  after(async () => {
    reindex?.child.kill('SIGTERM');
    if (reindex) await reindex.exit;
    await live?.stop();
    await producer?.disconnect();
    await es.indices.delete({ index: `${alias}-*`, ignore_unavailable: true, allow_no_indices: true });
    for (const name of [alias, `${alias}-g1`, `${alias}-g2`])
      await es.indices.deleteIndexTemplate({ name }).catch(() => undefined);
    await es.close();
  });

  test('reindex, atomic swap under a query loop, old generation kept out and then dropped', async () => {
    const initial = await send(DOCS, twoMonths);
    await waitCount('generation 0 built by the live index service', alias, DOCS, 300_000);
    const months = await gen0Indices();
    assert.ok(months.includes(`${alias}-2026.10`) && months.includes(`${alias}-2026.11`), months.join(','));

    // The operator starts generation 1 (since the run's start: the shared topic's older records are not ours).
    reindex = cli(['start', '--alias', alias, '--generation', '1', '--group', groupB, '--since', String(t0)]);
    const tPartial = Date.now();
    const during = await send(DURING, twoMonths);
    const expected = DOCS + DURING;
    const caughtUp = await waitFor(
      'the reindex to catch up',
      async () => reindex?.events.find((e) => e.event === 'caught-up'),
      { timeoutMs: 300_000, intervalMs: 250 },
    );
    process.stderr.write(`reindex caught up: ${JSON.stringify(caughtUp)}\n`);
    await waitCount('generation 0 has the records sent during the reindex', alias, expected);
    await waitCount('generation 1 has them too', `${alias}-g1-*`, expected);
    assert.deepEqual(
      await aliasTargets(),
      await gen0Indices(),
      'generation 1 is not behind the alias before the swap',
    );

    // A generation that cannot hold what the alias serves (here: begun after the first records, as a
    // topic past its retention would be) is refused by `start --swap`, with the numbers; nothing moves.
    const partial = await cliOnce([
      'start',
      '--alias',
      alias,
      '--generation',
      '2',
      '--group',
      `${groupB}-partial`,
      '--since',
      String(tPartial),
      '--swap',
      '--exit-when-caught-up',
      '--wait',
      '3',
    ]);
    assert.equal(partial.code, 1, partial.stderr);
    const refused = partial.result.swapRefused as { code: string; message: string };
    assert.equal(refused.code, 'FEWER_DOCUMENTS');
    assert.match(
      refused.message,
      /generation 2 holds \d+ documents \(\+\d+ records still to index\), the read alias \d+ \(\d+ fewer\)/,
    );
    assert.deepEqual(await aliasTargets(), await gen0Indices(), 'the refused swap moved nothing');
    assert.equal(await countOurs(`${alias}-g2-*`), DURING);

    // A query loop on the alias while `swap` runs: never fewer (nor more) of our documents, never an error.
    const samples: { at: number; count: number }[] = [];
    const errors: string[] = [];
    let looping = true;
    const loop = (async () => {
      while (looping) {
        try {
          samples.push({ at: Date.now(), count: await countOurs(alias) });
        } catch (err) {
          errors.push((err as Error).message);
        }
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const swapStart = Date.now();
    const swap = await cliOnce(['swap', '--alias', alias, '--generation', '1', '--group', groupB]);
    const swapEnd = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 500));
    looping = false;
    await loop;
    assert.equal(swap.code, 0, swap.stderr);
    assert.equal(swap.result.from, 0);
    assert.equal(swap.result.to, 1);
    assert.deepEqual(errors, [], 'no query failed during the swap');
    const inSwap = samples.filter((s) => s.at >= swapStart && s.at <= swapEnd);
    assert.ok(inSwap.length >= 5, `the loop queried during the swap (${inSwap.length} samples)`);
    const wrong = samples.filter((s) => s.count !== expected);
    assert.deepEqual(wrong, [], `every one of ${samples.length} samples counted exactly ${expected}`);

    // The alias serves generation 1 only, each document once; generation 0 is still there.
    const targets = await aliasTargets();
    assert.ok(targets.length > 0 && targets.every((i) => i.startsWith(`${alias}-g1-`)), targets.join(','));
    const hits = await ourHits(alias);
    const ids = hits.map((h) => h.id);
    assert.equal(ids.length, expected);
    assert.equal(new Set(ids).size, expected, 'no document twice');
    assert.deepEqual(new Set(ids), new Set([...initial, ...during]));
    assert.ok(hits.every((h) => h.index.startsWith(`${alias}-g1-`)));
    assert.equal(await countOurs(`${alias}-2026.*`), expected, 'generation 0 kept until drop-old');

    // drop-old refuses the serving generation, and the old one while its index stage still writes it.
    const serving = await cliOnce(['drop-old', '--alias', alias, '--generation', '1']);
    assert.equal(serving.code, 1);
    assert.equal(serving.result.refused, 'BEHIND_READ_ALIAS');
    const written = await cliOnce(['drop-old', '--alias', alias]);
    assert.equal(written.code, 1);
    assert.equal(written.result.refused, 'STILL_WRITTEN');

    // A new month after the swap: the old generation's new index stays out of the alias, the new one's joins.
    const [late] = await send(1, () => '2027-02-10T10:00:00.000Z');
    await waitCount('the new month in generation 0', `${alias}-2027.02`, 1);
    await waitCount('the new month in generation 1', `${alias}-g1-2027.02`, 1);
    assert.ok(
      !(await aliasTargets()).includes(`${alias}-2027.02`),
      'old generation index not behind the alias',
    );
    assert.ok((await aliasTargets()).includes(`${alias}-g1-2027.02`));
    assert.equal(await countOurs(alias), expected + 1);

    // The operator redeploys the index service on generation 1 (joins the reindex group), then stops the reindex.
    await live?.stop();
    live = await startIndex({ ...env, GROUP_ID: groupB, INDEX_GENERATION: '1', START_FROM: 'latest' });
    await waitFor('generation 1 index service ready', async () => (live?.ready() ? true : undefined));
    reindex.child.kill('SIGTERM');
    assert.equal(await reindex.exit, 0, reindex.stderr.join(''));
    const result = reindex.events.find((e) => e.event === 'result');
    assert.ok(result, 'the reindex printed its result');
    const afterIds = await send(AFTER, twoMonths);
    await waitCount('records sent after the redeploy, through the alias', alias, expected + 1 + AFTER);

    const dropped = await cliOnce(['drop-old', '--alias', alias]);
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.equal(dropped.result.generation, 0);
    assert.deepEqual(await gen0Indices(), [], 'generation 0 deleted');
    assert.equal(await countOurs(alias), expected + 1 + AFTER);
    const partialDropped = await cliOnce(['drop-old', '--alias', alias, '--generation', '2']);
    assert.equal(partialDropped.code, 0, partialDropped.stderr);
    const status = await cliOnce(['status', '--alias', alias]);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(status.result.serving, { kind: 'one', generation: 1 });

    process.stderr.write(
      `reindex: ${JSON.stringify(caughtUp)}; swap: ${swapEnd - swapStart} ms, ${samples.length} samples ` +
        `(${inSwap.length} during the swap); late ${late}; ${afterIds.length} after the redeploy\n`,
    );
  });
});
