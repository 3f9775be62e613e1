// Crash of each consuming stage under a steady load (the issue "Delivery guarantees that hold
// under faults"). The five services run as separate processes, started as an operator starts them.
// For validate, convert, anonymize and index in turn: ~150 events/s for 12 s through ingest, the
// stage gets SIGKILL after 5 s, stays down 2 s and is started again with the same environment.
// Asserted for each stage:
//   - nothing lost: every statement id the run's events must give is indexed;
//   - bounded re-read: the records the stage read again after its restart, measured on its output
//     (more copies than distinct ids on its output topic within the run's range, counted over the
//     run's own ids; for index, Elasticsearch `_version - 1` summed over the run's ids), are at most
//     the batches it can have had in flight at the kill: 2 x (input partitions) x (largest batch of
//     the killed process, the upper bucket of its `lrstream_<stage>_batch_size_events` histogram).
// The run's groups are new: before the services first start, they are positioned at the input
// topics' end offsets (what `kafka-consumer-groups --reset-offsets --to-latest --execute` does for a
// group that must not read a shared topic's history); from then on only the services commit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { waitFor } from '@lrstream/test';
import {
  EdxLoad,
  INPUT_TOPIC,
  OUTPUT_TOPIC,
  Pipeline,
  STAGES,
  duplicates,
  histogramBuckets,
  largestObservedBetween,
  metricSum,
  steadyLoad,
  type Offsets,
  type Stage,
} from './delivery-harness.js';

const RATE_PER_SECOND = 150;
const LOAD_MS = 10_000;
const KILL_AFTER_MS = 4_000;
const DOWN_MS = 2_000;
const ACTORS = 30;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SIGKILL of each stage under steady load', { timeout: 300_000 }, () => {
  const run = randomUUID().slice(0, 8);
  // New groups start at the shared topics' ends (START_FROM=latest) and commit that themselves.
  const pipeline = new Pipeline({ name: 'crash', run, startFrom: 'latest' });
  const load = new EdxLoad(run);
  const outputStart = new Map<string, Offsets>();

  before(async () => {
    for (const topic of Object.values(OUTPUT_TOPIC)) outputStart.set(topic, await pipeline.topicEnds(topic));
    await pipeline.startAll();
  });

  after(() => pipeline.cleanUp());

  /** The copies beyond the first of the run's records on the stage's output (ES versions for index). */
  async function outputDuplicates(stage: Stage): Promise<number> {
    const runIds = new Set(load.ids(...STAGES));
    if (stage === 'index') {
      const versions = await pipeline.indexedVersions([...runIds]);
      return [...versions.values()].reduce((sum, v) => sum + v - 1, 0);
    }
    const topic = OUTPUT_TOPIC[stage];
    const seen = await pipeline.readRange(topic, outputStart.get(topic)!, (value) => {
      if (stage === 'validate')
        return String(value.event_json).includes(load.marker) ? String(value.event_id) : undefined;
      return runIds.has(String(value.statement_id)) ? String(value.statement_id) : undefined;
    });
    return duplicates(seen);
  }

  for (const stage of STAGES)
    test(`${stage}: killed mid-stream and restarted, nothing is lost and at most the in-flight batches are read again`, async (t) => {
      const started = Date.now();
      await pipeline.settle();
      const before = await outputDuplicates(stage);
      const batchMetric = `lrstream_${stage}_batch_size_events`;
      const consumedMetric = `lrstream_${stage}_events_consumed_total`;
      const atStart = await pipeline.metrics(stage);
      let largestBatch: number | undefined;
      let consumedBeforeKill = 0;
      await steadyLoad(
        pipeline,
        load,
        { tag: stage, ratePerSecond: RATE_PER_SECOND, durationMs: LOAD_MS, actors: ACTORS },
        async () => {
          await sleep(KILL_AFTER_MS);
          // The batches of this steady load up to the kill (not the bursts of earlier rounds).
          const atKill = await pipeline.metrics(stage);
          largestBatch = largestObservedBetween(
            histogramBuckets(atStart, batchMetric),
            histogramBuckets(atKill, batchMetric),
          );
          consumedBeforeKill = metricSum(atKill, consumedMetric) - metricSum(atStart, consumedMetric);
          await pipeline.kill(stage, 'SIGKILL');
          await sleep(DOWN_MS);
          await pipeline.start(stage);
        },
      );
      const ids = load.ids(stage);
      let found = new Map<string, number>();
      await waitFor(
        `the ${ids.length} statements of the ${stage} round indexed`,
        async () => {
          found = await pipeline.indexedVersions(ids);
          return found.size === ids.length ? true : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 1000 },
      ).catch(() => undefined);
      await pipeline.settle();
      const after = await outputDuplicates(stage);
      const partitions = (await pipeline.topicEnds(INPUT_TOPIC[stage])).size;
      const readAgain = after - before;
      const bound = 2 * partitions * (largestBatch ?? 0);
      const restarted = await pipeline.metrics(stage);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const figures =
        `${stage}: sent ${ids.length}, indexed ${found.size}, lost ${ids.length - found.size}; ` +
        `consumed before the kill ${consumedBeforeKill}, largest batch <= ${largestBatch}, ` +
        `read again ${readAgain} (output copies ${before} -> ${after}), bound ${bound}; ` +
        `restarted process consumed ${metricSum(restarted, consumedMetric)}; round ${seconds} s`;
      t.diagnostic(figures);
      // The harness measured what it must: the stage worked before the kill, and re-reading what it
      // had read of this round would exceed the bound (otherwise the bound could not tell).
      assert.ok(
        largestBatch !== undefined && Number.isFinite(largestBatch),
        `no batch size seen: ${figures}`,
      );
      assert.ok(
        consumedBeforeKill > bound,
        `the bound must be below what was read before the kill: ${figures}`,
      );
      assert.equal(ids.length - found.size, 0, `nothing lost: ${figures}`);
      assert.ok(readAgain <= bound, `records read again after the restart within the bound: ${figures}`);
    });
});
