// Selecting dead letters: the filters of `lrstream replay dlq list|redrive`, as one pure predicate.
import type { DeadLetter } from '@lrstream/schemas';
import { assertCalendarDate } from '@lrstream/runtime';

export interface DeadLetterFilter {
  /** The stage that dead-lettered the record (a dead letter's `stage`). */
  stage?: string;
  /** Any of these error codes. */
  codes?: readonly string[];
  /** failed_at at or after (ms). */
  since?: number;
  /** failed_at before (ms). */
  until?: number;
  /** The record the stage failed on was read from this topic. */
  sourceTopic?: string;
  /** The error pointer is this JSON pointer or lies under it (`/event` matches `/event/id`). */
  pointer?: string;
  /** Only these event ids (a dead letter's `event_id`). */
  eventIds?: ReadonlySet<string>;
}

/** A dead letter read back from its topic, with its own position. */
export interface StoredDeadLetter {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  letter: DeadLetter;
}

export const deadLetterKey = (d: Pick<StoredDeadLetter, 'topic' | 'partition' | 'offset'>): string =>
  `${d.topic}/${d.partition}/${d.offset}`;

/** `<topic>/<partition>/<offset>` of the record the stage failed on, or null when the letter does not say. */
export function sourceKey(letter: DeadLetter): string | null {
  if (letter.source_topic === null || letter.source_partition === null || letter.source_offset === null)
    return null;
  return `${letter.source_topic}/${letter.source_partition}/${letter.source_offset}`;
}

export function pointerMatches(pointer: string | null, wanted: string): boolean {
  if (pointer === null) return false;
  if (wanted === '' || wanted === '/') return true;
  const base = wanted.endsWith('/') ? wanted.slice(0, -1) : wanted;
  return pointer === base || pointer.startsWith(`${base}/`);
}

export function matchesFilter(letter: DeadLetter, filter: DeadLetterFilter): boolean {
  if (filter.stage !== undefined && letter.stage !== filter.stage) return false;
  if (filter.codes && filter.codes.length > 0 && !filter.codes.includes(letter.error_code)) return false;
  if (filter.since !== undefined && letter.failed_at < filter.since) return false;
  if (filter.until !== undefined && letter.failed_at >= filter.until) return false;
  if (filter.sourceTopic !== undefined && letter.source_topic !== filter.sourceTopic) return false;
  if (filter.pointer !== undefined && !pointerMatches(letter.error_pointer, filter.pointer)) return false;
  if (filter.eventIds && (letter.event_id === null || !filter.eventIds.has(letter.event_id))) return false;
  return true;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A time argument: an ISO-8601 date or date-time, milliseconds since the epoch, or a duration ago
 * (`90m`, `2h`, `7d`). Throws a RangeError naming the value when it is none of these.
 */
export function parseTimeArgument(value: string, now: number = Date.now()): number {
  const ago = /^(\d+)([smhd])$/.exec(value.trim());
  if (ago) return now - Number(ago[1]) * (UNITS[ago[2] as string] as number);
  if (/^\d{10,}$/.test(value.trim())) return Number(value.trim());
  const parsed = Date.parse(value);
  if (Number.isFinite(parsed) && /^\d{4}-\d{2}-\d{2}/.test(value.trim())) {
    assertCalendarDate(value);
    return parsed;
  }
  throw new RangeError(
    `"${value}" is not a time: use an ISO date (2026-12-04T10:00:00Z), epoch milliseconds, or a duration ago (90m, 2h, 7d)`,
  );
}
