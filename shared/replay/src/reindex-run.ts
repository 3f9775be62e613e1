// `replay reindex start`: the real index stage (startIndex, the same code as the service) writing
// generation N of a read alias with its own consumer group, from the anonymized topic's oldest
// retained record (or a given time); progress, ETA and replay metrics from the group's commits;
// optionally the swap once it has caught up. It keeps writing the new generation until stopped:
// after a swap it is that generation's writer until the index service is redeployed on it.
import { startIndex } from '@lrstream/index';
import { serveReplayMetrics, type ReplayMetrics } from './metrics.js';
import { createProgress } from './progress.js';
import { createEndsHistory, isCaughtUp, progressOf, serving } from './reindex-plan.js';
import { readGenerations } from './reindex-es.js';
import {
  REINDEX_TOPIC,
  ReindexRefused,
  swapGeneration,
  type ReindexContext,
  type SwapResult,
} from './reindex.js';

export interface ReindexRunOptions {
  generation: number;
  group: string;
  /** Where a group without commits starts: the first record at or after this time (ms). */
  since?: number;
  swap: boolean;
  allowFewer: boolean;
  swapWaitMs: number;
  /** Caught up: commits reach the topic's ends of at most this long ago. */
  maxBehindMs: number;
  /** Stop once caught up (and swapped, with swap) instead of running until `signal`. */
  exitWhenCaughtUp: boolean;
  /** The environment the index stage gets (stack addresses, INDEX_* tuning). */
  env: NodeJS.ProcessEnv;
  metrics: ReplayMetrics;
  metricsPort: number;
  pollMs: number;
  signal: AbortSignal;
  /** Machine-readable events (caught-up, swapped, ...) as they happen. */
  emit(event: Record<string, unknown>): void;
  progressOut?: NodeJS.WriteStream;
}

export interface ReindexRunResult {
  generation: number;
  group: string;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  caughtUp: boolean;
  /**
   * Records and seconds from the start to the first catch-up, and the rate once the stage had
   * joined its group (`joinSeconds` after the start): the reindex speed.
   */
  catchUp: {
    records: number;
    seconds: number;
    recordsPerSecond: number;
    joinSeconds: number;
    recordsPerSecondAfterJoin: number;
  } | null;
  swap: SwapResult | null;
  swapRefused: { code: string; message: string } | null;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

const rate = (records: number, ms: number) => (ms > 0 ? Math.round((records * 1000) / ms) : 0);

export async function runReindex(ctx: ReindexContext, options: ReindexRunOptions): Promise<ReindexRunResult> {
  const { admin, alias, log } = ctx;
  const { generation, group, metrics } = options;
  const now = serving(await readGenerations(ctx.es, alias));
  if (now.kind === 'one' && now.generation === generation)
    throw new ReindexRefused(
      'ALREADY_SERVING',
      `generation ${generation} is behind the read alias ${alias}: reindex into a new generation`,
    );

  // Where the group begins: its own commits (an interrupted reindex resumes), else --since, else
  // the oldest retained record (START_FROM=earliest).
  let position = await admin.position(group, REINDEX_TOPIC);
  const resumed = position.partitions.some((p) => p.committed !== undefined);
  if (!resumed && options.since !== undefined) {
    await admin.commit(group, REINDEX_TOPIC, await admin.offsetsAt(REINDEX_TOPIC, options.since));
    position = await admin.position(group, REINDEX_TOPIC);
  }
  const start = new Map(position.partitions.map((p) => [p.partition, p.committed ?? p.low]));
  const members = await admin.members(group);
  log.info(
    {
      decision: 'start',
      alias,
      generation,
      group,
      serving: now,
      from: resumed
        ? 'commits'
        : options.since !== undefined
          ? new Date(options.since).toISOString()
          : 'earliest',
      records: progressOf(position.partitions, start).total,
      members,
    },
    resumed ? 'Reindex resumes from its group commits.' : 'Reindex starts a new generation.',
  );
  if (members > 0)
    log.warn(
      { decision: 'shared-group', group, members },
      'The group already has members: they share the partitions.',
    );

  metrics.running.set({ operation: 'reindex' }, 1);
  const server = await serveReplayMetrics(metrics, options.metricsPort);
  const stage = await startIndex({
    ...options.env,
    INDEX_PREFIX: alias,
    INDEX_GENERATION: String(generation),
    GROUP_ID: group,
    START_FROM: 'earliest',
    INDEX_IDENTIFIED: 'false',
  });
  const began = Date.now();
  const progress = createProgress({ label: `reindex ${alias} g${generation}`, out: options.progressOut });
  let done = 0;
  let joinedAt: number | undefined;
  const history = createEndsHistory(options.maxBehindMs);
  let catchUp: ReindexRunResult['catchUp'] = null;
  let swap: SwapResult | null = null;
  let swapRefused: ReindexRunResult['swapRefused'] = null;
  try {
    while (!options.signal.aborted) {
      position = await admin.position(group, REINDEX_TOPIC);
      const p = progressOf(position.partitions, start);
      metrics.records.inc({ operation: 'reindex', outcome: 'committed' }, Math.max(0, p.done - done));
      metrics.remaining.set({ operation: 'reindex' }, position.lag);
      done = p.done;
      progress.update(p.done, p.total);
      if (joinedAt === undefined && stage.ready()) joinedAt = Date.now();
      if (
        catchUp === null &&
        joinedAt !== undefined &&
        isCaughtUp(position.partitions, history.reference(Date.now()))
      ) {
        const ms = Date.now() - began;
        catchUp = {
          records: p.done,
          seconds: ms / 1000,
          recordsPerSecond: rate(p.done, ms),
          joinSeconds: (joinedAt - began) / 1000,
          recordsPerSecondAfterJoin: rate(p.done, Date.now() - joinedAt),
        };
        log.info({ decision: 'caught-up', alias, generation, group, ...catchUp }, 'Reindex caught up.');
        options.emit({ event: 'caught-up', alias, generation, group, ...catchUp });
        if (options.swap) {
          try {
            swap = await swapGeneration(ctx, {
              to: generation,
              group,
              allowFewer: options.allowFewer,
              waitMs: options.swapWaitMs,
              maxBehindMs: options.maxBehindMs,
            });
            options.emit({ event: 'swapped', ...swap });
          } catch (err) {
            if (!(err instanceof ReindexRefused)) throw err;
            swapRefused = { code: err.code, message: err.message };
            log.warn({ decision: 'swap-refused', ...swapRefused }, 'Swap refused.');
            options.emit({ event: 'swap-refused', ...swapRefused });
          }
        }
        if (options.exitWhenCaughtUp) break;
        log.info(
          { decision: 'keeps-writing', alias, generation, group },
          `The reindex keeps writing generation ${generation} until stopped: redeploy the index service with ` +
            `INDEX_GENERATION=${generation} GROUP_ID=${group} (it continues from this group's commits), then stop this command.`,
        );
      }
      history.add(Date.now(), position.partitions);
      await sleep(options.pollMs, options.signal);
    }
  } finally {
    await stage.stop();
    metrics.running.set({ operation: 'reindex' }, 0);
    await server?.close();
  }
  position = await admin.position(group, REINDEX_TOPIC);
  done = progressOf(position.partitions, start).done;
  const ms = Date.now() - began;
  const result: ReindexRunResult = {
    generation,
    group,
    records: done,
    seconds: ms / 1000,
    recordsPerSecond: rate(done, ms),
    caughtUp: catchUp !== null,
    catchUp,
    swap,
    swapRefused,
  };
  progress.finish(
    catchUp
      ? `caught up after ${catchUp.records} records (${catchUp.recordsPerSecond} records/s)`
      : 'stopped',
  );
  log.info({ decision: 'stopped', ...result }, 'Reindex stopped; its group keeps its commits.');
  return result;
}
