// `lrstream replay dlq list`: what the dead-letter topics hold, by stage, code and source topic, with
// a few samples per code. Samples show where and why, never what: no payload (the identified
// dead-letter topic holds personal data).
import type { Kafka, SchemaCodec } from '@lrstream/kafka';
import { TOPICS, type RedriveEntry } from '@lrstream/schemas';
import { deadLetterKey, type DeadLetterFilter } from './dlq-select.js';
import { loadLedger, readDeadLetters } from './dlq-store.js';
import { REPLAY_STAGES } from './stages.js';

export interface DeadLetterSample {
  deadLetter: string;
  stage: string;
  code: string;
  pointer: string | null;
  source: string | null;
  failedAt: string;
  payloadBytes: number | null;
  payloadTruncated: boolean;
  /** The ledger's status for it, or null when no redrive handled it yet. */
  redrive: RedriveEntry['status'] | null;
}

export interface DeadLetterListing {
  topics: string[];
  read: number;
  undecodable: number;
  matched: number;
  byStage: Record<string, number>;
  /** `<stage> <code>` -> count. */
  byCode: Record<string, number>;
  bySourceTopic: Record<string, number>;
  /** Matched dead letters by ledger status ('pending': not handled by any redrive yet). */
  byRedriveStatus: Record<RedriveEntry['status'] | 'pending', number>;
  samples: DeadLetterSample[];
}

/** Which dead-letter topics hold a stage's dead letters (all of them when no stage is given). */
export function deadLetterTopicsOf(stage: string | undefined): string[] {
  const stages = stage === undefined ? REPLAY_STAGES : REPLAY_STAGES.filter((s) => s.stage === stage);
  return [...new Set(stages.map((s) => TOPICS[s.deadLetter]))];
}

export async function listDeadLetters(
  kafka: Kafka,
  codec: SchemaCodec,
  filter: DeadLetterFilter,
  options: { samplesPerCode?: number } = {},
): Promise<DeadLetterListing> {
  const samplesPerCode = options.samplesPerCode ?? 3;
  const topics = deadLetterTopicsOf(filter.stage);
  const ledger = await loadLedger(kafka, codec);
  const listing: DeadLetterListing = {
    topics,
    read: 0,
    undecodable: 0,
    matched: 0,
    byStage: {},
    byCode: {},
    bySourceTopic: {},
    byRedriveStatus: { pending: 0, redriven: 0, parked: 0, unavailable: 0, duplicate: 0 },
    samples: [],
  };
  const sampled = new Map<string, number>();
  const bump = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);
  for (const topic of topics) {
    const scan = await readDeadLetters(kafka, codec, topic, filter);
    listing.read += scan.read;
    listing.undecodable += scan.undecodable;
    for (const stored of scan.letters) {
      const { letter } = stored;
      listing.matched += 1;
      bump(listing.byStage, letter.stage);
      const code = `${letter.stage} ${letter.error_code}`;
      bump(listing.byCode, code);
      bump(listing.bySourceTopic, letter.source_topic ?? '(none)');
      const status = ledger.entry(deadLetterKey(stored))?.status ?? null;
      listing.byRedriveStatus[status ?? 'pending'] += 1;
      const n = sampled.get(code) ?? 0;
      if (n >= samplesPerCode) continue;
      sampled.set(code, n + 1);
      listing.samples.push({
        deadLetter: deadLetterKey(stored),
        stage: letter.stage,
        code: letter.error_code,
        pointer: letter.error_pointer,
        source:
          letter.source_topic === null
            ? null
            : `${letter.source_topic}/${letter.source_partition ?? '?'}/${letter.source_offset ?? '?'}`,
        failedAt: new Date(letter.failed_at).toISOString(),
        payloadBytes: letter.payload_bytes,
        payloadTruncated: letter.payload_truncated,
        redrive: status,
      });
    }
  }
  return listing;
}
