import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dayOfIndex, expiredIndices } from '../src/retention.js';

test('dayOfIndex: only <prefix>-YYYY.MM.DD with a real date', () => {
  assert.equal(dayOfIndex('lrstream-identified-2026.11.22', 'lrstream-identified'), Date.UTC(2026, 10, 22));
  assert.equal(dayOfIndex('lrstream-identified-2026.11', 'lrstream-identified'), undefined);
  assert.equal(dayOfIndex('lrstream-identified-2026.02.31', 'lrstream-identified'), undefined);
  assert.equal(dayOfIndex('other-2026.11.22', 'lrstream-identified'), undefined);
  // The prefix is literal: a dot in it is not a wildcard.
  assert.equal(dayOfIndex('aXb-2026.11.22', 'a.b'), undefined);
});

test('expiredIndices: a day is deleted once all of it is older than N days', () => {
  const prefix = 'p';
  const names = ['p-2026.11.14', 'p-2026.11.15', 'p-2026.11.16', 'p-2026.11.22', 'p-keep', 'q-2020.01.01'];
  // 2026-11-22T12:00Z, 7 days: everything before 2026-11-15T12:00Z may go; 11.14 ended at 11.15T00:00.
  const now = Date.UTC(2026, 10, 22, 12);
  assert.deepEqual(expiredIndices(names, prefix, 7, now), ['p-2026.11.14']);
  // At 2026-11-23T00:00Z the day 11.15 ended exactly 7 days ago.
  assert.deepEqual(expiredIndices(names, prefix, 7, Date.UTC(2026, 10, 23)), [
    'p-2026.11.14',
    'p-2026.11.15',
  ]);
  assert.deepEqual(expiredIndices(names, prefix, 30, now), []);
});
