// What redrive does with one selected dead letter: pure, no Kafka here (dlq-redrive.ts gathers the
// facts and writes the outcome). The decisions, in order:
//   skipped      the ledger already has an entry for this dead letter (any status): never twice;
//   unavailable  the record to re-inject cannot be had (its source is not the stage's input, or it
//                expired and the dead letter holds no usable copy);
//   duplicate    the same source record was redriven already (a stage may dead-letter a record twice);
//   parked       the record failed after --max-attempts redrives already (the loop guard);
//   redriven     the original record (bytes, key, headers) goes back to the same partition of the
//                stage's input topic, with provenance headers.
import type { RedriveEntry } from '@lrstream/schemas';
import type { KafkaRecord, OutgoingRecord } from '@lrstream/kafka';
import { sourceKey, type StoredDeadLetter } from './dlq-select.js';

/** Headers a redriven record carries (values are UTF-8 strings). */
export const REDRIVE_HEADERS = {
  /** UUID of the redrive run. */
  id: 'lrstream-redrive-id',
  /** The dead letter this record was redriven from: `<dlq topic>/<partition>/<offset>`. */
  origin: 'lrstream-redrive-origin',
  /** The first record of this event the stage read: `<topic>/<partition>/<offset>` (kept across redrives). */
  source: 'lrstream-redrive-source',
  /** 1 for a first redrive, one more each time the same event is redriven again. */
  attempt: 'lrstream-redrive-attempt',
  /** The stage the record was redriven for (other consumers of the topic may ignore it). */
  stage: 'lrstream-redrive-stage',
} as const;

const REDRIVE_PREFIX = 'lrstream-redrive-';

/** Where the record to re-inject came from. */
export type SourceLookup =
  | { kind: 'found'; record: KafkaRecord }
  /** The source record is gone; `payload` says whether the dead letter's payload can stand in. */
  | {
      kind: 'missing';
      why: 'expired' | 'beyond-end' | 'absent' | 'no-source';
      payload: { usable: true } | { usable: false; reason: string };
    };

export interface LedgerView {
  /** The entry of a dead letter, by `<dlq topic>/<partition>/<offset>`. */
  entry(deadLetterKey: string): RedriveEntry | undefined;
  /** The dead letter whose source record was already redriven, by source `<topic>/<partition>/<offset>`. */
  redrivenSource(sourceKey: string): string | undefined;
}

export interface DecideContext {
  stage: string;
  /** The stage's input topic: where redriven records go. */
  inputTopic: string;
  maxAttempts: number;
  redriveId: string;
  ledger: LedgerView;
  /** Sources redriven earlier in this run (source key -> dead letter key); decide() adds to it. */
  redrivenThisRun: Map<string, string>;
}

export type RedriveDecision =
  | { status: 'skipped'; previous: RedriveEntry['status'] }
  | { status: 'unavailable'; reason: string }
  | { status: 'duplicate'; reason: string; of: string }
  | { status: 'parked'; attempt: number; reason: string }
  | {
      status: 'redriven';
      attempt: number;
      /** From the source record itself, or from the dead letter's payload (the source expired). */
      from: 'source' | 'payload';
      record: OutgoingRecord & { partition: number };
    };

const MISSING_TEXT: Record<Exclude<SourceLookup, { kind: 'found' }>['why'], string> = {
  expired: 'the source record expired (older than the topic retention)',
  'beyond-end': 'the source offset is past the end of its partition',
  absent: 'the source offset holds no record (compacted away or an aborted write)',
  'no-source': 'the dead letter names no source record',
};

function attemptOf(headers: Record<string, Buffer>): number {
  const raw = headers[REDRIVE_HEADERS.attempt]?.toString('utf8');
  const n = raw === undefined ? 0 : Number.parseInt(raw, 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

export function decideRedrive(
  stored: StoredDeadLetter,
  lookup: SourceLookup,
  context: DecideContext,
): RedriveDecision {
  const key = `${stored.topic}/${stored.partition}/${stored.offset}`;
  const previous = context.ledger.entry(key);
  if (previous) return { status: 'skipped', previous: previous.status };

  const letter = stored.letter;
  const source = sourceKey(letter);
  if (letter.source_topic !== null && letter.source_topic !== context.inputTopic)
    return {
      status: 'unavailable',
      reason: `the source topic ${letter.source_topic} is not the input of stage ${context.stage} (${context.inputTopic})`,
    };

  if (source !== null) {
    const earlier = context.ledger.redrivenSource(source) ?? context.redrivenThisRun.get(source);
    if (earlier !== undefined)
      return {
        status: 'duplicate',
        of: earlier,
        reason: `its source record was already redriven from dead letter ${earlier}`,
      };
  }

  let from: 'source' | 'payload';
  let value: Buffer;
  let keyBytes: Buffer | null;
  let headers: Record<string, Buffer> = {};
  if (lookup.kind === 'found') {
    if (lookup.record.value === null)
      return { status: 'unavailable', reason: 'the source record has no value' };
    from = 'source';
    value = lookup.record.value;
    keyBytes = lookup.record.key;
    headers = lookup.record.headers;
  } else if (lookup.payload.usable && letter.payload !== null && letter.source_partition !== null) {
    from = 'payload';
    value = letter.payload;
    keyBytes = stored.key;
  } else {
    const why = lookup.payload.usable ? 'the dead letter holds no payload' : lookup.payload.reason;
    return { status: 'unavailable', reason: `${MISSING_TEXT[lookup.why]}, and ${why}` };
  }

  const attempt = attemptOf(headers) + 1;
  if (attempt > context.maxAttempts)
    return {
      status: 'parked',
      attempt,
      reason: `the record failed again after ${attempt - 1} redrive(s); the limit is ${context.maxAttempts} (--max-attempts)`,
    };

  const kept: Record<string, Buffer | string> = {};
  for (const [name, v] of Object.entries(headers)) if (!name.startsWith(REDRIVE_PREFIX)) kept[name] = v;
  const firstSource = headers[REDRIVE_HEADERS.source]?.toString('utf8') ?? source ?? key;
  if (source !== null) context.redrivenThisRun.set(source, key);
  return {
    status: 'redriven',
    attempt,
    from,
    record: {
      key: keyBytes,
      value,
      partition: letter.source_partition as number,
      headers: {
        ...kept,
        [REDRIVE_HEADERS.id]: context.redriveId,
        [REDRIVE_HEADERS.origin]: key,
        [REDRIVE_HEADERS.source]: firstSource,
        [REDRIVE_HEADERS.attempt]: String(attempt),
        [REDRIVE_HEADERS.stage]: context.stage,
      },
    },
  };
}
