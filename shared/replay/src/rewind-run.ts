// Carrying out a rewind on Kafka: plan, refuse or coordinate, move, resume, verify, and follow the
// group until it has read again what it was sent back to (progress and replay metrics).
import { randomUUID } from 'node:crypto';
import {
  describeGroup,
  groupOffsets,
  offsetsForTimestamp,
  scanTopic,
  sendControlCommand,
  setGroupOffsets,
  topicBounds,
  type Kafka,
  type SchemaCodec,
} from '@lrstream/kafka';
import { describeErrorSafely, type Logger } from '@lrstream/runtime';
import { TOPICS, type DeadLetter } from '@lrstream/schemas';
import type { ReplayMetrics } from './metrics.js';
import type { Progress } from './progress.js';
import { changedOffsets, planRewind, type RewindPlan, type RewindTarget } from './rewind.js';
import type { ReplayStage } from './stages.js';

export interface RewindRequest {
  stage: ReplayStage;
  groupId: string;
  target: RewindTarget;
  /** Per-partition offsets for `--to-offset P:N` (overrides target.offset on those partitions). */
  offsetsByPartition?: ReadonlyMap<number, bigint>;
  partitions?: ReadonlySet<number>;
  dryRun: boolean;
  /** Pause the group's running instances (control topic), move, resume. */
  coordinate: boolean;
  /** Accept a forward move (records skipped for good). */
  allowSkip: boolean;
  /** Deadline of the pause: instances resume by themselves after it. */
  leaseMs: number;
  /** Follow the group after the move until it has read up to the end captured at planning time. */
  waitMs: number | null;
}

export type RewindStatus = 'dry-run' | 'nothing-to-do' | 'refused' | 'rewound';

export interface RewindOutcome {
  replayId: string;
  status: RewindStatus;
  reason: string | null;
  plan: RewindPlan;
  /** Set with waitMs: how long the group took to read the plan's records again. */
  caughtUp: { records: number; seconds: number; recordsPerSecond: number } | null;
}

export interface RewindContext {
  kafka: Kafka;
  codec: SchemaCodec;
  log: Logger;
  metrics?: ReplayMetrics;
  progress?: (total: number) => Progress;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Per partition of the stage's input, the source offset of the first dead letter the stage wrote
 * with `code` (the earliest record to read again so that every one of them is retried).
 */
export async function firstDeadLetterOffsets(
  kafka: Kafka,
  codec: SchemaCodec,
  stage: ReplayStage,
  code: string,
  since = 0,
): Promise<Map<number, bigint>> {
  const input = TOPICS[stage.input];
  const stageName = stage.stage === 'index-identified' ? 'index' : stage.stage;
  const first = new Map<number, bigint>();
  await scanTopic(kafka, TOPICS[stage.deadLetter], async (record) => {
    if (!record.value) return;
    let letter: DeadLetter;
    try {
      letter = await codec.decode<DeadLetter>(record.value);
    } catch {
      return; // not a dead letter of ours: nothing to find in it
    }
    if (letter.stage !== stageName || letter.error_code !== code || letter.source_topic !== input) return;
    if (letter.failed_at < since) return;
    if (letter.source_partition === null || letter.source_offset === null) return;
    const offset = BigInt(letter.source_offset);
    const known = first.get(letter.source_partition);
    if (known === undefined || offset < known) first.set(letter.source_partition, offset);
  });
  return first;
}

async function desiredOffsets(
  ctx: RewindContext,
  request: RewindRequest,
  topic: string,
): Promise<Map<number, bigint>> {
  const bounds = await topicBounds(ctx.kafka, topic);
  const target = request.target;
  switch (target.kind) {
    case 'earliest':
      return new Map(bounds.map((b) => [b.partition, b.low]));
    case 'offset':
      return new Map(
        bounds.map((b) => [b.partition, request.offsetsByPartition?.get(b.partition) ?? target.offset]),
      );
    case 'time':
      return offsetsForTimestamp(ctx.kafka, topic, target.at);
    case 'dead-letter':
      return firstDeadLetterOffsets(ctx.kafka, ctx.codec, request.stage, target.code, target.since);
  }
}

async function makePlan(
  ctx: RewindContext,
  request: RewindRequest,
  desired: Map<number, bigint>,
): Promise<RewindPlan> {
  const topic = TOPICS[request.stage.input];
  const [bounds, current] = await Promise.all([
    topicBounds(ctx.kafka, topic),
    groupOffsets(ctx.kafka, request.groupId, topic),
  ]);
  return planRewind({ bounds, current, desired, only: request.partitions });
}

export async function runRewind(ctx: RewindContext, request: RewindRequest): Promise<RewindOutcome> {
  const { kafka, codec, log } = ctx;
  const sleep = ctx.sleep ?? defaultSleep;
  const replayId = randomUUID();
  const topic = TOPICS[request.stage.input];
  const about = { replayId, stage: request.stage.stage, group: request.groupId, topic };
  const desired = await desiredOffsets(ctx, request, topic);
  let plan = await makePlan(ctx, request, desired);
  log.info(
    { ...about, target: request.target.kind, reread: String(plan.reread), skipped: String(plan.skipped) },
    'rewind planned',
  );
  const outcome = (status: RewindStatus, reason: string | null = null): RewindOutcome => {
    if (status === 'refused') log.warn({ ...about, reason }, 'rewind refused');
    return { replayId, status, reason, plan, caughtUp: null };
  };
  if (changedOffsets(plan).size === 0) return outcome('nothing-to-do', 'the group is already at the target');
  const skipRefusal = (p: RewindPlan) =>
    p.skipped > 0n && !request.allowSkip
      ? `the move would skip ${p.skipped} records the group has not processed (they would never reach later stages); pass --allow-skip to accept that loss`
      : null;
  const refusal = skipRefusal(plan);
  if (refusal) return outcome('refused', refusal);
  if (request.dryRun) return outcome('dry-run');

  const group = await describeGroup(kafka, request.groupId);
  let coordinated = false;
  try {
    if (group.members > 0) {
      if (!request.coordinate)
        return outcome(
          'refused',
          `group ${request.groupId} has ${group.members} active member(s) (state ${group.state}); stop the stage, or pass --coordinate to pause it, move and resume`,
        );
      const until = Date.now() + request.leaseMs;
      const pause = await sendControlCommand(kafka, codec, {
        group_id: request.groupId,
        action: 'pause',
        until,
        reason: `replay rewind ${replayId}`,
      });
      coordinated = true;
      log.info({ ...about, command: pause.command_id, until: new Date(until).toISOString() }, 'pause sent');
      // Leave some of the lease for the move itself.
      const deadline = Date.now() + Math.max(5_000, Math.min(request.leaseMs - 10_000, 120_000));
      for (;;) {
        const now = await describeGroup(kafka, request.groupId);
        if (now.members === 0) break;
        if (Date.now() > deadline)
          return outcome(
            'refused',
            `group ${request.groupId} still has ${now.members} member(s) after the pause request; an instance that does not obey control commands (older version, or started with control disabled)? Nothing was moved`,
          );
        await sleep(500);
      }
      log.info(about, 'group empty');
      // The group may have moved on while it drained: plan again from where it stopped.
      plan = await makePlan(ctx, request, desired);
      const late = skipRefusal(plan);
      if (late) return outcome('refused', late);
    }
    const changes = changedOffsets(plan);
    if (changes.size > 0) await setGroupOffsets(kafka, request.groupId, topic, changes);
    const after = await groupOffsets(kafka, request.groupId, topic);
    const wrong = [...changes].filter(([p, o]) => after.get(p) !== o);
    if (wrong.length > 0)
      throw new Error(
        `offsets not as planned after the move on partitions ${wrong.map(([p]) => p).join(', ')}`,
      );
    log.info(
      {
        ...about,
        partitions: [...changes].map(([partition, offset]) => ({ partition, offset: String(offset) })),
      },
      'offsets moved',
    );
    ctx.metrics?.records.inc({ operation: 'rewind', outcome: 'rewound' }, Number(plan.reread));
  } catch (err) {
    log.error({ ...about, error: describeErrorSafely(err) }, 'rewind failed');
    throw err;
  } finally {
    if (coordinated) {
      const resume = await sendControlCommand(kafka, codec, {
        group_id: request.groupId,
        action: 'resume',
        until: null,
        reason: `replay rewind ${replayId}`,
      });
      log.info({ ...about, command: resume.command_id }, 'resume sent');
    }
  }

  const result = outcome('rewound');
  if (request.waitMs !== null) result.caughtUp = await followGroup(ctx, request, plan, about, request.waitMs);
  return result;
}

/** Waits until the group's committed offsets reach the ends captured in `plan`. */
async function followGroup(
  ctx: RewindContext,
  request: RewindRequest,
  plan: RewindPlan,
  about: Record<string, string>,
  waitMs: number,
): Promise<RewindOutcome['caughtUp']> {
  const sleep = ctx.sleep ?? defaultSleep;
  const topic = TOPICS[request.stage.input];
  const total = Number(plan.toRead);
  const progress = ctx.progress?.(total);
  const started = Date.now();
  const deadline = started + waitMs;
  ctx.metrics?.running.set({ operation: 'rewind' }, 1);
  try {
    for (;;) {
      const committed = await groupOffsets(ctx.kafka, request.groupId, topic);
      let remaining = 0n;
      for (const p of plan.partitions) {
        const at = committed.get(p.partition) ?? p.target;
        if (at < p.high) remaining += p.high - (at > p.target ? at : p.target);
      }
      const done = total - Number(remaining);
      progress?.update(done);
      ctx.metrics?.remaining.set({ operation: 'rewind' }, Number(remaining));
      if (remaining === 0n) {
        const seconds = (Date.now() - started) / 1000;
        progress?.finish('caught up');
        ctx.log.info({ ...about, records: total, seconds }, 'caught up');
        return { records: total, seconds, recordsPerSecond: seconds > 0 ? total / seconds : total };
      }
      if (Date.now() > deadline) {
        progress?.finish(`not caught up after ${Math.round(waitMs / 1000)} s`);
        throw new Error(
          `group ${request.groupId} still has ${remaining} records to read again after ${Math.round(waitMs / 1000)} s`,
        );
      }
      await sleep(500);
    }
  } finally {
    ctx.metrics?.running.set({ operation: 'rewind' }, 0);
  }
}
