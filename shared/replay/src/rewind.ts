// `replay rewind`: moves a stage's consumer group so that it reads records again.
//
// The plan is computed per partition from the group's committed offsets and the topic's bounds;
// executing it needs the group to have no members. A running stage is either refused (the
// default) or coordinated: its instances are asked to leave the group (control topic, with a
// lease), the offsets are moved, and they are asked back, whatever happened in between.
//
// Moving a group forward would skip records, i.e. lose them for every later stage: refused unless
// the operator says so explicitly.
import type { PartitionBounds } from '@lrstream/kafka';
import { assertCalendarDate } from '@lrstream/runtime';

export type RewindTarget =
  | { kind: 'earliest' }
  | { kind: 'offset'; offset: bigint }
  | { kind: 'time'; at: number }
  | {
      kind: 'dead-letter';
      code: string;
      /** Only dead letters written at or after this time. */ since?: number;
    };

export interface PartitionPlan {
  partition: number;
  /** Committed offset of the group; null when it never committed on this partition. */
  current: bigint | null;
  target: bigint;
  low: bigint;
  high: bigint;
  /** Records the group processed before and will process again. */
  reread: bigint;
  /** Records between the target and the end that the group will read from the target. */
  toRead: bigint;
  /** Records the group has not processed and will never read (a forward move). */
  skipped: bigint;
  /** Why the target is what it is, for the printout (e.g. "clamped to the oldest retained record"). */
  note: string | null;
}

export interface RewindPlan {
  partitions: PartitionPlan[];
  reread: bigint;
  toRead: bigint;
  skipped: bigint;
}

export interface PlanInput {
  bounds: readonly PartitionBounds[];
  current: ReadonlyMap<number, bigint | null>;
  /**
   * Desired offset per partition; a partition missing from the map keeps its committed offset
   * (e.g. no dead letter of the code on it).
   */
  desired: ReadonlyMap<number, bigint>;
  /** Only these partitions (all when undefined). */
  only?: ReadonlySet<number>;
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);

export function planRewind(input: PlanInput): RewindPlan {
  const partitions: PartitionPlan[] = [];
  for (const { partition, low, high } of input.bounds) {
    if (input.only && !input.only.has(partition)) continue;
    const current = input.current.get(partition) ?? null;
    const wanted = input.desired.get(partition);
    let target: bigint;
    let note: string | null = null;
    if (wanted === undefined) {
      if (current === null) continue; // nothing asked, nothing committed: nothing to move
      target = current;
      note = 'unchanged';
    } else if (wanted < low) {
      target = low;
      note = `clamped to the oldest retained record (asked ${wanted})`;
    } else if (wanted > high) {
      target = high;
      note = `clamped to the end (asked ${wanted})`;
    } else {
      target = wanted;
    }
    partitions.push({
      partition,
      current,
      target,
      low,
      high,
      reread: current === null ? 0n : max(0n, current - target),
      toRead: max(0n, high - target),
      skipped: current === null ? 0n : max(0n, target - current),
      note,
    });
  }
  const sum = (f: (p: PartitionPlan) => bigint) => partitions.reduce((n, p) => n + f(p), 0n);
  return {
    partitions,
    reread: sum((p) => p.reread),
    toRead: sum((p) => p.toRead),
    skipped: sum((p) => p.skipped),
  };
}

/** Offsets that differ from the committed ones: what setGroupOffsets must write. */
export function changedOffsets(plan: RewindPlan): Map<number, bigint> {
  return new Map(plan.partitions.filter((p) => p.current !== p.target).map((p) => [p.partition, p.target]));
}

/** The plan as a table for a terminal. */
export function formatPlan(plan: RewindPlan): string {
  const rows = [['partition', 'current', 'target', 're-read', 'skipped', 'retained', 'note']];
  for (const p of plan.partitions)
    rows.push([
      String(p.partition),
      p.current === null ? '-' : String(p.current),
      String(p.target),
      String(p.reread),
      String(p.skipped),
      `${p.low}..${p.high}`,
      p.note ?? '',
    ]);
  rows.push(['all', '', '', String(plan.reread), String(plan.skipped), '', '']);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows
      .map((r) =>
        r
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** Parses --to-time values: ISO 8601 with a zone, or epoch milliseconds. */
export function parseInstant(text: string): number {
  if (/^\d{10,}$/.test(text)) return Number(text);
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(text))
    throw new Error(`"${text}" has no time zone: write e.g. 2026-12-04T10:00:00Z`);
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new Error(`"${text}" is not an ISO 8601 time`);
  assertCalendarDate(text);
  return at;
}

/** Parses durations such as 90s, 10m, 1h (or plain milliseconds). */
export function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a duration (e.g. 90s, 10m, 1h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 'ms'] as number;
  return Number(match[1]) * unit;
}
