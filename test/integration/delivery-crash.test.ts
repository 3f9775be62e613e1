// Crash of each consuming stage under a steady load (the issue "Delivery guarantees that hold
// under faults"). The five services run as separate processes, started as an operator starts them.
// For validate, convert, anonymize and index in turn: ~150 events/s for 12 s through ingest, the
// stage gets SIGKILL after 5 s, stays down 2 s and is started again with the same environment.
// Asserted for each stage:
//   - nothing lost: every statement id the run's events must give is indexed;
//   - bounded re-read: the records the stage's two processes read (the killed one's counter up to
//     the kill, the restarted one's) minus the records its group had to read in the round (its
//     committed offsets after the round minus before) are at most the batches it can have had in
//     flight: two (the batch in hand, and what it read between the last metrics scrape and the
//     kill). Measured on the group's own offsets, so other pipelines on a shared stack do not count.
// The run's groups are new and start with START_FROM=latest: each commits its start position
// itself on joining; no test helper commits a stage group's offsets.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { waitFor } from '@lrstream/test';
import {
  EdxLoad,
  Pipeline,
  STAGES,
  histogramBuckets,
  largestObservedBetween,
  metricSum,
  steadyLoad,
} from './delivery-harness.js';

const RATE_PER_SECOND = 150;
const LOAD_MS = 10_000;
const KILL_AFTER_MS = 4_000;
const DOWN_MS = 2_000;
const ACTORS = 30;
/** Records read before the kill beyond twice the largest batch. */
const MIN_MARGIN = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SIGKILL of each stage under steady load', { timeout: 300_000 }, () => {
  const run = randomUUID().slice(0, 8);
  // New groups start at the shared topics' ends (START_FROM=latest) and commit that themselves.
  const pipeline = new Pipeline({ name: 'crash', run, startFrom: 'latest' });
  const load = new EdxLoad(run);

  before(async () => {
    await pipeline.startAll();
  });

  after(() => pipeline.cleanUp());

  for (const stage of STAGES)
    test(`${stage}: killed mid-stream and restarted, nothing is lost and at most the in-flight batches are read again`, async (t) => {
      const started = Date.now();
      await pipeline.settle();
      const batchMetric = `lrstream_${stage}_batch_size_events`;
      const consumedMetric = `lrstream_${stage}_events_consumed_total`;
      // What the group must read in this round: from its commits now (settled) to its commits after.
      const startCommitted = await pipeline.committed(stage);
      const atStart = await pipeline.metrics(stage);
      let largestBatch: number | undefined;
      let consumedBeforeKill = 0;
      await steadyLoad(
        pipeline,
        load,
        { tag: stage, ratePerSecond: RATE_PER_SECOND, durationMs: LOAD_MS, actors: ACTORS },
        async () => {
          // Kill once the stage has read clearly more of this round than the bound allows to be
          // read again (so a restart from the round's start could not pass), or at the load's end.
          const deadline = Date.now() + LOAD_MS - DOWN_MS;
          for (;;) {
            const now = await pipeline.metrics(stage);
            largestBatch = largestObservedBetween(
              histogramBuckets(atStart, batchMetric),
              histogramBuckets(now, batchMetric),
            );
            consumedBeforeKill = metricSum(now, consumedMetric) - metricSum(atStart, consumedMetric);
            const enough = largestBatch !== undefined && consumedBeforeKill > 2 * largestBatch + MIN_MARGIN;
            if ((enough && Date.now() - started >= KILL_AFTER_MS) || Date.now() > deadline) break;
            await sleep(100);
          }
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
        { timeoutMs: 120_000, intervalMs: 1000 },
      ).catch(() => undefined);
      await pipeline.settle();
      const endCommitted = await pipeline.committed(stage);
      // Records the group had to read once (this run's and anyone else's on the shared topic) ...
      let needed = 0;
      for (const [partition, end] of endCommitted)
        needed += Math.max(0, end) - Math.max(0, startCommitted.get(partition) ?? end);
      // ... and records its two processes did read: the difference was read twice.
      const restarted = await pipeline.metrics(stage);
      const consumedAfter = metricSum(restarted, consumedMetric);
      const readAgain = consumedBeforeKill + consumedAfter - needed;
      // One batch is in hand at a time (its commit follows its outputs), plus what the killed
      // process read between the last metrics scrape and the kill: two batches.
      const bound = 2 * (largestBatch ?? 0);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const figures =
        `${stage}: sent ${ids.length}, indexed ${found.size}, lost ${ids.length - found.size}; ` +
        `consumed before the kill ${consumedBeforeKill}, after the restart ${consumedAfter}, ` +
        `to read ${needed}; read again ${readAgain}; largest batch <= ${largestBatch}, bound ${bound}; ` +
        `round ${seconds} s`;
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
      // A negative figure is what the killed process read between its last scrape and the kill
      // (counted by its commits, not by its counter): bounded by the same two batches.
      assert.ok(readAgain >= -bound, `the measurement is consistent: ${figures}`);
      assert.ok(readAgain <= bound, `records read again after the restart within the bound: ${figures}`);
    });
});
