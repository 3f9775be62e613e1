import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControlCommand } from '@lrstream/schemas';
import { controlState } from '../src/control.js';

const command = (
  group: string,
  action: 'pause' | 'resume',
  until: number | null,
  id = 'c',
): ControlCommand => ({
  command_id: id,
  group_id: group,
  action,
  until,
  reason: 'test',
  issued_at: 0,
});

test('the last command for the group is its state', () => {
  const log = [
    command('g', 'pause', 1000, 'a'),
    command('other', 'resume', null),
    command('g', 'resume', null),
  ];
  assert.deepEqual(controlState(log, 'g', 500), { paused: false });
  assert.deepEqual(controlState(log.slice(0, 2), 'g', 500), { paused: true, until: 1000, commandId: 'a' });
});

test('a pause whose lease ran out is no pause', () => {
  assert.deepEqual(controlState([command('g', 'pause', 1000)], 'g', 1000), { paused: false });
});

test('commands for other groups are ignored', () => {
  assert.deepEqual(controlState([command('other', 'pause', 9e12)], 'g', 0), { paused: false });
});
