import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changedOffsets, formatPlan, parseDuration, parseInstant, planRewind } from '../src/rewind.js';

const bounds = [
  { partition: 0, low: 10n, high: 100n },
  { partition: 1, low: 0n, high: 50n },
  { partition: 2, low: 0n, high: 0n },
];

test('a rewind to the oldest record re-reads what the group had processed', () => {
  const plan = planRewind({
    bounds,
    current: new Map([
      [0, 100n],
      [1, 40n],
      [2, 0n],
    ]),
    desired: new Map(bounds.map((b) => [b.partition, b.low])),
  });
  assert.deepEqual(
    plan.partitions.map((p) => [p.partition, p.target, p.reread, p.toRead, p.skipped]),
    [
      [0, 10n, 90n, 90n, 0n],
      [1, 0n, 40n, 50n, 0n],
      [2, 0n, 0n, 0n, 0n],
    ],
  );
  assert.equal(plan.reread, 130n);
  assert.equal(plan.skipped, 0n);
  assert.deepEqual(
    [...changedOffsets(plan)],
    [
      [0, 10n],
      [1, 0n],
    ],
  );
});

test('targets outside the retained range are clamped, and said so', () => {
  const plan = planRewind({
    bounds,
    current: new Map([
      [0, 100n],
      [1, 50n],
    ]),
    desired: new Map([
      [0, 3n],
      [1, 70n],
    ]),
  });
  const [p0, p1] = plan.partitions;
  assert.equal(p0?.target, 10n);
  assert.match(p0?.note ?? '', /oldest retained/);
  assert.equal(p1?.target, 50n);
  assert.match(p1?.note ?? '', /end/);
});

test('a forward move is counted as skipped records', () => {
  const plan = planRewind({
    bounds,
    current: new Map([[0, 20n]]),
    desired: new Map([[0, 60n]]),
  });
  assert.equal(plan.skipped, 40n);
  assert.equal(plan.reread, 0n);
});

test('partitions without a desired offset keep their committed one; --partition limits the plan', () => {
  const plan = planRewind({
    bounds,
    current: new Map([
      [0, 100n],
      [1, 50n],
    ]),
    desired: new Map([[1, 5n]]),
  });
  assert.equal(plan.partitions.find((p) => p.partition === 0)?.note, 'unchanged');
  assert.deepEqual([...changedOffsets(plan)], [[1, 5n]]);
  const only = planRewind({
    bounds,
    current: new Map([
      [0, 100n],
      [1, 50n],
    ]),
    desired: new Map([
      [0, 10n],
      [1, 0n],
    ]),
    only: new Set([1]),
  });
  assert.deepEqual(
    only.partitions.map((p) => p.partition),
    [1],
  );
  assert.match(formatPlan(only), /^partition\s+current\s+target\s+re-read/);
});

test('instants need a zone; durations take units', () => {
  assert.equal(parseInstant('2026-12-04T10:00:00Z'), Date.UTC(2026, 11, 4, 10));
  assert.equal(parseInstant('2026-12-04T11:00:00+01:00'), Date.UTC(2026, 11, 4, 10));
  assert.equal(parseInstant('1764842400000'), 1764842400000);
  assert.throws(() => parseInstant('2026-12-04T10:00:00'), /time zone/);
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.throws(() => parseDuration('soon'), /duration/);
});
