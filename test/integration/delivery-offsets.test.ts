// Committed offsets of the consuming stages (the issue "Delivery guarantees that hold under
// faults"), read back through Kafka's admin API: "it did not lose data in my test" is not the same
// as "it committed". The services run as separate processes started as an operator starts them,
// with START_FROM=latest (new groups on shared topics: skip their history); nothing but the services
// commits their groups' offsets.
//   1. After a run settles, every stage group's committed offset equals its input topic's end
//      offset, on every partition.
//   2. START_FROM=latest applies only to a group without commits: the four stages are killed
//      (SIGKILL) after a warm-up that touched one partition per topic, records then reach every
//      partition of each stage's input while that stage is down, and each stage, started again with
//      the same environment, must read all of them (partitions that had no record before the kill
//      included); every statement is indexed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { waitFor } from '@lrstream/test';
import {
  EdxLoad,
  INPUT_TOPIC,
  Pipeline,
  STAGES,
  metricSum,
  type Offsets,
  type Stage,
} from './delivery-harness.js';

const sum = (offsets: Offsets) => [...offsets.values()].reduce((a, b) => a + b, 0);
const grown = (from: Offsets, to: Offsets) =>
  [...to].filter(([p, end]) => end > (from.get(p) ?? 0)).map(([p]) => p);

/** Waits until all these statement ids are indexed (bounded); returns how many are. */
async function indexedCount(pipeline: Pipeline, ids: readonly string[], timeoutMs: number): Promise<number> {
  let found = 0;
  await waitFor(
    `${ids.length} statements indexed`,
    async () => {
      found = (await pipeline.indexedVersions(ids)).size;
      return found === ids.length ? true : undefined;
    },
    { timeoutMs, intervalMs: 1000 },
  ).catch(() => undefined);
  return found;
}

describe('committed offsets after a settled run', { timeout: 150_000 }, () => {
  const run = randomUUID().slice(0, 8);
  const pipeline = new Pipeline({ name: 'offsets', run, startFrom: 'latest' });
  const load = new EdxLoad(run);

  before(async () => {
    await pipeline.startAll();
  });
  after(() => pipeline.cleanUp());

  test("every stage group's committed offset equals its input topic's end offset", async (t) => {
    // 600 events of 60 learners: records on every partition of every topic.
    for (let i = 0; i < 6; i++) await pipeline.postEdx(load.events('settled', 100, 60));
    const ids = load.ids('settled');
    const indexed = await indexedCount(pipeline, ids, 60_000);
    assert.equal(indexed, ids.length, `harness: the run's ${ids.length} statements are indexed (${indexed})`);
    await pipeline.settle();

    let report = '';
    const settled = await waitFor(
      'committed offsets equal to the end offsets',
      async () => {
        const lines: string[] = [];
        let equal = true;
        for (const stage of STAGES) {
          const ends = await pipeline.topicEnds(INPUT_TOPIC[stage]);
          const committed = await pipeline.committed(stage);
          const cells = [...ends]
            .sort(([a], [b]) => a - b)
            .map(([p, end]) => {
              const c = committed.get(p) ?? -1;
              if (c !== end) equal = false;
              return `p${p} ${c}/${end}`;
            });
          lines.push(
            `${stage} (${pipeline.groupId(stage)} on ${INPUT_TOPIC[stage]}, committed/end): ${cells.join(', ')}`,
          );
        }
        report = lines.join('\n');
        return equal ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 1000 },
    ).catch(() => false);
    for (const line of report.split('\n')) t.diagnostic(line);
    assert.ok(
      settled,
      `committed offsets differ from the end offsets 20 s after the run settled:\n${report}`,
    );
  });
});

describe('START_FROM=latest: a restarted stage resumes from its commits', { timeout: 240_000 }, () => {
  const run = randomUUID().slice(0, 8);
  const pipeline = new Pipeline({ name: 'latest', run, startFrom: 'latest' });
  const load = new EdxLoad(run);
  const ends = (stage: Stage) => pipeline.topicEnds(INPUT_TOPIC[stage]);

  before(async () => {
    await pipeline.startAll();
  });
  after(() => pipeline.cleanUp());

  test('records that reach any partition while a stage is down are all read after its restart', async (t) => {
    const atStart = new Map<Stage, Offsets>();
    for (const stage of STAGES) atStart.set(stage, await ends(stage));
    // Warm-up: one learner, so one partition of each topic has records before the kill.
    await pipeline.postEdx(load.events('warm-up', 40, 1));
    const warm = load.ids('warm-up');
    assert.equal(await indexedCount(pipeline, warm, 60_000), warm.length, 'harness: the warm-up is indexed');
    await pipeline.settle();

    const atKill = new Map<Stage, Offsets>();
    for (const stage of STAGES) atKill.set(stage, await ends(stage));
    await Promise.all(STAGES.map((stage) => pipeline.kill(stage, 'SIGKILL')));
    // Restarted members join groups the dead ones have left (their session timed out), so that each
    // restart is one join, not a wait for the broker to notice the crash.
    await pipeline.groupsEmpty(STAGES);

    const rows: string[] = [];
    const problems: string[] = [];
    for (const stage of STAGES) {
      // Upstream stages already run again: these reach this stage's input while it is down.
      const before = await ends(stage);
      await pipeline.postEdx(load.events(stage, 300, 60));
      const arrived = await waitFor(
        `300 new records on ${INPUT_TOPIC[stage]} while ${stage} is down`,
        async () => {
          const now = await ends(stage);
          return sum(now) - sum(before) >= 300 ? now : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      ).catch(() => undefined);
      if (!arrived) {
        problems.push(
          `harness: the records posted for ${stage} did not reach ${INPUT_TOPIC[stage]} (upstream)`,
        );
        continue;
      }
      const killEnds = atKill.get(stage)!;
      const landed = sum(arrived) - sum(killEnds);
      const touched = grown(atStart.get(stage)!, killEnds);
      const reached = grown(killEnds, arrived);
      const emptyBefore = reached.filter((p) => !touched.includes(p));

      await pipeline.start(stage);
      let consumed = 0;
      await waitFor(
        `${stage} reading the ${landed} records that arrived while it was down`,
        async () => {
          consumed = metricSum(await pipeline.metrics(stage), `lrstream_${stage}_events_consumed_total`);
          return consumed >= landed ? true : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 500 },
      ).catch(() => undefined);
      const row =
        `${stage}: partitions with records before the kill [${touched.join(',')}], ` +
        `receiving records while down [${reached.join(',')}] (of which had none before: [${emptyBefore.join(',')}]); ` +
        `${landed} records arrived while down, the restarted process consumed ${consumed}`;
      rows.push(row);
      if (emptyBefore.length === 0)
        problems.push(`harness: no partition empty before the kill got records (${row})`);
      if (consumed < landed) problems.push(`${stage} did not read what arrived while it was down: ${row}`);
    }

    const ids = load.ids(...STAGES);
    const indexed = await indexedCount(pipeline, ids, 20_000);
    const perRound = await Promise.all(
      STAGES.map(async (stage) => {
        const round = load.ids(stage);
        return `${stage} round: ${round.length - (await pipeline.indexedVersions(round)).size} of ${round.length} lost`;
      }),
    );
    rows.push(
      `indexed ${indexed} of ${ids.length} statements posted after the kill (${perRound.join('; ')})`,
    );
    for (const row of rows) t.diagnostic(row);
    if (indexed !== ids.length) problems.push(`lost ${ids.length - indexed} of ${ids.length} statements`);
    assert.deepEqual(problems, [], rows.join('\n'));
  });
});
