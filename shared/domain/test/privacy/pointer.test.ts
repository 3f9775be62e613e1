// Issue leak 10: dead-letter pointers (and logs) carry no object key or value of the input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { safePointer } from '../../src/index.js';

test('issue leak 10: input keys in pointers become positions; format names and indexes stay', () => {
  const doc = {
    actor: { mbox: 'mailto:a@b.org' },
    context: { extensions: { 'https://x.org/ext': 1, 'claire.martin@example.org': 'Claire Martin' } },
    object: { definition: { choices: [{ id: 'a' }, { id: 'b' }] } },
  };
  assert.equal(safePointer(doc, '/context/extensions/claire.martin@example.org'), '/context/extensions/#1');
  assert.equal(safePointer(doc, '/object/definition/choices/1/id'), '/object/definition/choices/1/id');
  assert.equal(safePointer(doc, '/actor/Claire Martin'), '/actor/#');
  assert.equal(safePointer(undefined, '/event/jdoe~1secret'), '/event/#');
  assert.equal(safePointer(doc, ''), '');
});
