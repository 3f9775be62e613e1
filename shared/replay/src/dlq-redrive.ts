// Dead-letter redrive: the selected dead letters of one stage go back to the stage's input topic, as
// the original records, each with its ledger entry in the same Kafka transaction.
//
// Guarantees (docs/replay.md ("Dead-letter redrive")):
// - Idempotent: a dead letter with a ledger entry is never redriven again, and a source record is
//   redriven once however many dead letters it has. The redriven record and its ledger entry are
//   written in one transaction (stages read committed records only): both or neither.
// - One redrive per stage at a time: the transactional id is the stage's, so a second run fences
//   the first (which fails on its next write, its open transaction aborted) before reading the
//   ledger, and sees everything the first one committed.
// - Loop guard: the attempt count travels in the record's headers; beyond --max-attempts the dead
//   letter is parked, not redriven.
import { randomUUID } from 'node:crypto';
import {
  committedOffsets,
  createTransactionalWriter,
  partitionBounds,
  type Kafka,
  type SchemaCodec,
  type TransactionalWriter,
} from '@lrstream/kafka';
import type { Logger } from '@lrstream/runtime';
import { TOPICS, valueSchemaOf, type RedriveEntry } from '@lrstream/schemas';
import { decideRedrive, type RedriveDecision } from './dlq-decide.js';
import { deadLetterKey, sourceKey, type DeadLetterFilter, type StoredDeadLetter } from './dlq-select.js';
import { loadLedger, lookupSources, readDeadLetters } from './dlq-store.js';
import type { ReplayMetrics } from './metrics.js';
import type { Progress } from './progress.js';
import { replayStage } from './stages.js';

export interface RedriveOptions {
  kafka: Kafka;
  codec: SchemaCodec;
  log: Logger;
  stage: string;
  /** Filters beside the stage (the stage's own filter is set here). */
  filter: Omit<DeadLetterFilter, 'stage'>;
  maxAttempts: number;
  dryRun: boolean;
  /** Wait until this consumer group has read past every redriven record, then look for new failures. */
  wait?: { groupId: string; timeoutMs: number };
  metrics?: ReplayMetrics;
  progress?: (label: string, total?: number) => Progress;
  redriveId?: string;
  /** Records per transaction (default 500; a transaction also stays under ~512 kB of values). */
  transactionRecords?: number;
  now?: () => number;
}

export interface FailedAgain {
  total: number;
  byCode: Record<string, number>;
}

export interface RedriveSummary {
  redriveId: string;
  stage: string;
  deadLetterTopic: string;
  inputTopic: string;
  dryRun: boolean;
  /** Dead letters read from the dead-letter topic, and those the filters selected. */
  read: number;
  selected: number;
  redriven: number;
  /** Redriven from the dead letter's payload (the source record had expired). */
  redrivenFromPayload: number;
  /** Already in the ledger, by the status recorded then. */
  skipped: Record<RedriveEntry['status'], number> & { total: number };
  duplicate: number;
  parked: number;
  unavailable: number;
  /** parked and unavailable, by reason. */
  reasons: Record<string, number>;
  /** Selected dead letters by code, and what became of them. */
  byCode: Record<string, Partial<Record<RedriveDecision['status'], number>>>;
  /** With --wait: dead letters the stage wrote again for redriven records, by code. */
  failedAgain?: FailedAgain;
  /** With --wait: whether the group read past every redriven record in time. */
  caughtUp?: boolean;
  /** Target partitions and the last offset written to each. */
  targets: Record<string, string>;
  /** Time to select and write (ms), and to see the stage read past the last record (with --wait). */
  elapsedMs: number;
  waitedMs?: number;
}

const MAX_TRANSACTION_BYTES = 512 * 1024;

/** Summary exit status: 0 when nothing needs a person, 1 when something was parked, unavailable or failed again. */
export function redriveExitCode(summary: RedriveSummary): number {
  if (summary.parked > 0 || summary.unavailable > 0) return 1;
  if (summary.failedAgain && summary.failedAgain.total > 0) return 1;
  if (summary.caughtUp === false) return 1;
  return 0;
}

export async function redriveDeadLetters(options: RedriveOptions): Promise<RedriveSummary> {
  const { kafka, codec, log, metrics } = options;
  const now = options.now ?? Date.now;
  const started = now();
  const spec = replayStage(options.stage);
  const deadLetterTopic = TOPICS[spec.deadLetter];
  const inputTopic = TOPICS[spec.input];
  const redriveId = options.redriveId ?? randomUUID();
  const base = { redrive_id: redriveId, stage: spec.stage };
  metrics?.running.set({ operation: 'redrive' }, 1);

  // Claim the stage's redrive first (fences an earlier run), then read the ledger it left.
  let writer: TransactionalWriter | undefined;
  try {
    if (!options.dryRun) writer = await createTransactionalWriter(kafka, `lrstream-redrive-${spec.stage}`);
    const ledgerId = await codec.lookupValueSchemaId(TOPICS.redriveLedger, valueSchemaOf('redriveLedger'));
    const ledger = await loadLedger(kafka, codec);
    const dlqBefore = await partitionBounds(kafka, deadLetterTopic);
    const scan = await readDeadLetters(kafka, codec, deadLetterTopic, {
      ...options.filter,
      stage: spec.stage,
    });
    const selected = scan.letters;
    log.info(
      {
        ...base,
        dead_letter_topic: deadLetterTopic,
        read: scan.read,
        selected: selected.length,
        dry_run: options.dryRun,
      },
      'Dead letters selected.',
    );

    const summary: RedriveSummary = {
      redriveId,
      stage: spec.stage,
      deadLetterTopic,
      inputTopic,
      dryRun: options.dryRun,
      read: scan.read,
      selected: selected.length,
      redriven: 0,
      redrivenFromPayload: 0,
      skipped: { total: 0, redriven: 0, parked: 0, unavailable: 0, duplicate: 0 },
      duplicate: 0,
      parked: 0,
      unavailable: 0,
      reasons: {},
      byCode: {},
      targets: {},
      elapsedMs: 0,
    };

    const fresh = selected.filter((d) => !ledger.entry(deadLetterKey(d)));
    const lookups = await lookupSources(kafka, codec, fresh, spec.input);
    const progress = options.progress?.(
      `redrive ${spec.stage}${options.dryRun ? ' (dry run)' : ''}`,
      selected.length,
    );
    const redrivenThisRun = new Map<string, string>();
    const lastTarget = new Map<number, bigint>();
    const redrivenPositions = new Set<string>();
    let done = 0;

    const account = (stored: StoredDeadLetter, decision: RedriveDecision, target?: string) => {
      const code = stored.letter.error_code;
      const perCode = (summary.byCode[code] ??= {});
      perCode[decision.status] = (perCode[decision.status] ?? 0) + 1;
      const fields = {
        ...base,
        dead_letter: deadLetterKey(stored),
        code,
        decision: decision.status,
        dry_run: options.dryRun,
      };
      switch (decision.status) {
        case 'skipped':
          summary.skipped.total += 1;
          summary.skipped[decision.previous] += 1;
          log.info({ ...fields, previous: decision.previous }, 'Dead letter already handled; skipped.');
          break;
        case 'redriven':
          summary.redriven += 1;
          if (decision.from === 'payload') summary.redrivenFromPayload += 1;
          log.info(
            { ...fields, attempt: decision.attempt, from: decision.from, target },
            'Dead letter redriven.',
          );
          break;
        case 'duplicate':
          summary.duplicate += 1;
          log.info(
            { ...fields, of: decision.of },
            'Dead letter of an already redriven record; not redriven again.',
          );
          break;
        case 'parked':
        case 'unavailable':
          summary[decision.status] += 1;
          summary.reasons[decision.reason] = (summary.reasons[decision.reason] ?? 0) + 1;
          log.warn(
            {
              ...fields,
              reason: decision.reason,
              ...(decision.status === 'parked' ? { attempt: decision.attempt } : {}),
            },
            decision.status === 'parked'
              ? 'Dead letter parked (attempt limit).'
              : 'Dead letter cannot be redriven.',
          );
          break;
      }
      metrics?.records.inc({ operation: 'redrive', outcome: decision.status });
      done += 1;
      metrics?.remaining.set({ operation: 'redrive' }, selected.length - done);
      progress?.update(done);
    };

    const entryOf = (
      stored: StoredDeadLetter,
      decision: RedriveDecision,
      targetOffset: string | undefined,
    ): RedriveEntry => ({
      redrive_id: redriveId,
      dead_letter_topic: stored.topic,
      dead_letter_partition: stored.partition,
      dead_letter_offset: Number(stored.offset),
      stage: spec.stage,
      error_code: stored.letter.error_code,
      status: decision.status === 'skipped' ? decision.previous : decision.status,
      target_topic: decision.status === 'redriven' ? inputTopic : null,
      target_partition: decision.status === 'redriven' ? decision.record.partition : null,
      target_offset: targetOffset === undefined ? null : Number(targetOffset),
      attempt: decision.status === 'redriven' || decision.status === 'parked' ? decision.attempt : 0,
      reason:
        decision.status === 'parked' || decision.status === 'unavailable' || decision.status === 'duplicate'
          ? decision.reason
          : null,
      at: now(),
      source_topic: stored.letter.source_topic,
      source_partition: stored.letter.source_partition,
      source_offset: stored.letter.source_offset,
    });

    // Decide in topic order, then write in transactions of bounded size.
    type Planned = { stored: StoredDeadLetter; decision: RedriveDecision };
    const chunks: Planned[][] = [];
    let chunk: Planned[] = [];
    let bytes = 0;
    const chunkRecords = options.transactionRecords ?? 500;
    for (const stored of selected) {
      const key = deadLetterKey(stored);
      const lookup = lookups.get(key) ?? {
        kind: 'missing' as const,
        why: 'no-source' as const,
        payload: { usable: false as const, reason: 'not looked up' },
      };
      const decision = decideRedrive(stored, lookup, {
        stage: spec.stage,
        inputTopic,
        maxAttempts: options.maxAttempts,
        redriveId,
        ledger,
        redrivenThisRun,
      });
      const size = decision.status === 'redriven' ? (decision.record.value?.length ?? 0) : 0;
      if (chunk.length > 0 && (chunk.length >= chunkRecords || bytes + size > MAX_TRANSACTION_BYTES)) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push({ stored, decision });
      bytes += size;
    }
    if (chunk.length > 0) chunks.push(chunk);

    for (const planned of chunks) {
      const toWrite = planned.filter((p) => p.decision.status !== 'skipped');
      const redrive = toWrite.filter(
        (p): p is Planned & { decision: Extract<RedriveDecision, { status: 'redriven' }> } =>
          p.decision.status === 'redriven',
      );
      let offsets: (string | undefined)[] = [];
      if (writer && toWrite.length > 0) {
        const w = writer;
        offsets = await w.transaction(async (tx) => {
          const written = await tx.send(
            inputTopic,
            redrive.map((p) => p.decision.record),
          );
          const offsetOf = new Map(redrive.map((p, i) => [p, written[i]]));
          const entries = await Promise.all(
            toWrite.map(async (p) => ({
              key: deadLetterKey(p.stored),
              value: await codec.encode(ledgerId, entryOf(p.stored, p.decision, offsetOf.get(p as never))),
            })),
          );
          await tx.send(TOPICS.redriveLedger, entries);
          return written;
        });
      }
      for (const [i, p] of redrive.entries()) {
        const offset = offsets[i];
        if (offset === undefined) continue;
        const partition = p.decision.record.partition;
        redrivenPositions.add(`${inputTopic}/${partition}/${offset}`);
        const last = lastTarget.get(partition);
        if (last === undefined || BigInt(offset) > last) lastTarget.set(partition, BigInt(offset));
      }
      const targetOf = new Map(redrive.map((p, i) => [p, offsets[i]]));
      for (const p of planned) {
        const offset = targetOf.get(p as never);
        account(
          p.stored,
          p.decision,
          p.decision.status === 'redriven'
            ? `${inputTopic}/${p.decision.record.partition}${offset !== undefined ? `/${offset}` : ''}`
            : undefined,
        );
      }
    }
    for (const [partition, offset] of lastTarget) summary.targets[String(partition)] = offset.toString();
    summary.elapsedMs = now() - started;
    progress?.finish(
      `${summary.redriven} redriven, ${summary.skipped.total} skipped, ${summary.parked} parked, ${summary.unavailable} unavailable`,
    );

    if (options.wait && !options.dryRun && lastTarget.size > 0) {
      const waitStarted = now();
      summary.caughtUp = await waitForGroup(options, inputTopic, lastTarget, summary, now);
      summary.waitedMs = now() - waitStarted;
      summary.failedAgain = await failedAgain(
        options,
        deadLetterTopic,
        dlqBefore,
        redrivenPositions,
        spec.stage,
      );
      for (const [code, n] of Object.entries(summary.failedAgain.byCode))
        log.warn({ ...base, code, count: n }, 'Redriven records failed again.');
      metrics?.records.inc({ operation: 'redrive', outcome: 'failed-again' }, summary.failedAgain.total);
    } else if (options.wait && !options.dryRun) {
      summary.caughtUp = true;
      summary.failedAgain = { total: 0, byCode: {} };
    }
    log.info({ ...base, ...summaryFields(summary) }, 'Redrive finished.');
    return summary;
  } finally {
    metrics?.running.set({ operation: 'redrive' }, 0);
    metrics?.remaining.set({ operation: 'redrive' }, 0);
    await writer?.disconnect().catch(() => undefined);
  }
}

function summaryFields(s: RedriveSummary) {
  return {
    selected: s.selected,
    redriven: s.redriven,
    skipped: s.skipped.total,
    duplicate: s.duplicate,
    parked: s.parked,
    unavailable: s.unavailable,
    failed_again: s.failedAgain?.total,
    elapsed_ms: s.elapsedMs,
  };
}

async function waitForGroup(
  options: RedriveOptions,
  inputTopic: string,
  lastTarget: ReadonlyMap<number, bigint>,
  summary: RedriveSummary,
  now: () => number,
): Promise<boolean> {
  const wait = options.wait!;
  const deadline = now() + wait.timeoutMs;
  const total = summary.redriven;
  const progress = options.progress?.(`waiting for group ${wait.groupId}`, total);
  for (;;) {
    const committed = await committedOffsets(options.kafka, wait.groupId, inputTopic);
    let remaining = 0n;
    for (const [partition, last] of lastTarget) {
      const at = committed.get(partition) ?? -1n;
      if (at <= last) remaining += last + 1n - (at < 0n ? 0n : at);
    }
    options.metrics?.remaining.set({ operation: 'redrive' }, Number(remaining));
    progress?.update(Math.max(0, total - Number(remaining > BigInt(total) ? BigInt(total) : remaining)));
    if (remaining === 0n) {
      progress?.finish(`group ${wait.groupId} read past every redriven record`);
      return true;
    }
    if (now() > deadline) {
      progress?.finish(`timed out: ${remaining} records not yet read by ${wait.groupId}`);
      options.log.warn(
        { redrive_id: summary.redriveId, group: wait.groupId, remaining: Number(remaining) },
        'The stage did not read every redriven record in time.',
      );
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Dead letters written since the redrive began whose source is one of the redriven records. */
async function failedAgain(
  options: RedriveOptions,
  deadLetterTopic: string,
  before: ReadonlyMap<number, { high: bigint }>,
  redriven: ReadonlySet<string>,
  stage: string,
): Promise<FailedAgain> {
  const from = new Map([...before].map(([p, b]) => [p, b.high]));
  const scan = await readDeadLetters(options.kafka, options.codec, deadLetterTopic, { stage }, { from });
  const out: FailedAgain = { total: 0, byCode: {} };
  for (const { letter } of scan.letters) {
    const source = sourceKey(letter);
    if (source === null || !redriven.has(source)) continue;
    out.total += 1;
    out.byCode[letter.error_code] = (out.byCode[letter.error_code] ?? 0) + 1;
  }
  return out;
}
