import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkDrop,
  createEndsHistory,
  checkSwap,
  groupOf,
  isCaughtUp,
  planAliases,
  planTemplates,
  previousGeneration,
  progressOf,
  serving,
  type GenerationsState,
} from '../src/reindex-plan.js';
import { positionsOf } from '../src/reindex-kafka.js';

const alias = 'lrstream-xapi';

/** Generation 0 serving (two months), generation 1 built beside it (three months). */
function state(): GenerationsState {
  return {
    alias,
    indices: [
      { name: 'lrstream-xapi-2026.10', generation: 0, aliased: true },
      { name: 'lrstream-xapi-2026.11', generation: 0, aliased: true },
      { name: 'lrstream-xapi-g1-2026.10', generation: 1, aliased: false },
      { name: 'lrstream-xapi-g1-2026.11', generation: 1, aliased: false },
      { name: 'lrstream-xapi-g1-2026.12', generation: 1, aliased: false },
    ],
    templates: [
      { name: 'lrstream-xapi', generation: 0, attachesAlias: true },
      {
        name: 'lrstream-xapi-g1',
        generation: 1,
        attachesAlias: false,
        meta: { alias, generation: 1, group: 'index-g1' },
      },
    ],
  };
}

test('serving: the generation of the aliased indices, else of the template that attaches the alias', () => {
  assert.deepEqual(serving(state()), { kind: 'one', generation: 0 });
  const empty: GenerationsState = { ...state(), indices: [] };
  assert.deepEqual(serving(empty), { kind: 'one', generation: 0 });
  assert.deepEqual(serving({ alias, indices: [], templates: [] }), { kind: 'none' });
  const mixed = state();
  mixed.indices[2] = { ...mixed.indices[2]!, aliased: true };
  assert.deepEqual(serving(mixed), { kind: 'mixed', generations: [0, 1] });
});

test('the swap is one list of actions: every new index added, every old one removed', () => {
  const actions = planAliases(state(), 1);
  assert.deepEqual(actions, [
    { add: { index: 'lrstream-xapi-g1-2026.10', alias } },
    { add: { index: 'lrstream-xapi-g1-2026.11', alias } },
    { add: { index: 'lrstream-xapi-g1-2026.12', alias } },
    { remove: { index: 'lrstream-xapi-2026.10', alias } },
    { remove: { index: 'lrstream-xapi-2026.11', alias } },
  ]);
  assert.deepEqual(planAliases(state(), 0), [], 'nothing to do when it already agrees');
});

test('reconciliation after a swap: an old-generation index created meanwhile leaves, a new one joins', () => {
  const s = state();
  for (const i of s.indices) i.aliased = i.generation === 1;
  s.indices.push({ name: 'lrstream-xapi-2027.01', generation: 0, aliased: true });
  s.indices.push({ name: 'lrstream-xapi-g1-2027.01', generation: 1, aliased: false });
  assert.deepEqual(planAliases(s, 1), [
    { add: { index: 'lrstream-xapi-g1-2027.01', alias } },
    { remove: { index: 'lrstream-xapi-2027.01', alias } },
  ]);
});

test('templates: only the serving generation attaches the read alias', () => {
  assert.deepEqual(planTemplates(state(), 1), [
    { name: 'lrstream-xapi', generation: 0, attach: false },
    { name: 'lrstream-xapi-g1', generation: 1, attach: true },
  ]);
  assert.deepEqual(planTemplates(state(), 0), []);
});

test('swap check: refuses fewer documents with the numbers, unless allowed', () => {
  const fewer = checkSwap({
    state: state(),
    to: 1,
    counts: { from: 1000, to: 990, pending: 0 },
    allowFewer: false,
  });
  assert.equal(fewer.ok, false);
  assert.equal(!fewer.ok && fewer.code, 'FEWER_DOCUMENTS');
  assert.match(
    !fewer.ok ? fewer.message : '',
    /990 documents \(\+0 records still to index\), the read alias 1000 \(10 fewer\)/,
  );
  assert.deepEqual(
    checkSwap({ state: state(), to: 1, counts: { from: 1000, to: 990, pending: 0 }, allowFewer: true }),
    {
      ok: true,
    },
  );
  assert.deepEqual(
    checkSwap({ state: state(), to: 1, counts: { from: 1000, to: 1000, pending: 0 }, allowFewer: false }),
    {
      ok: true,
    },
  );
  // Both are written live: the served one may be ahead by what the new group has still to index.
  assert.deepEqual(
    checkSwap({ state: state(), to: 1, counts: { from: 1000, to: 990, pending: 10 }, allowFewer: false }),
    {
      ok: true,
    },
  );
  const beyond = checkSwap({
    state: state(),
    to: 1,
    counts: { from: 1000, to: 990, pending: 9 },
    allowFewer: false,
  });
  assert.equal(!beyond.ok && beyond.code, 'FEWER_DOCUMENTS');
  const same = checkSwap({
    state: state(),
    to: 0,
    counts: { from: 1, to: 1, pending: 0 },
    allowFewer: false,
  });
  assert.equal(!same.ok && same.code, 'ALREADY_SERVING');
  const none = checkSwap({
    state: state(),
    to: 7,
    counts: { from: 0, to: 0, pending: 0 },
    allowFewer: false,
  });
  assert.equal(!none.ok && none.code, 'NO_SUCH_GENERATION');
});

test('drop check: never the serving generation, never one still written unless forced', () => {
  const serving0 = checkDrop({ state: state(), target: 0, writers: 0, force: true });
  assert.equal(!serving0.ok && serving0.code, 'BEHIND_READ_ALIAS');
  const written = checkDrop({ state: state(), target: 1, writers: 1, force: false });
  assert.equal(!written.ok && written.code, 'STILL_WRITTEN');
  const ok = checkDrop({ state: state(), target: 1, writers: 0, force: false });
  assert.equal(ok.ok, true);
  assert.deepEqual(ok.indices, [
    'lrstream-xapi-g1-2026.10',
    'lrstream-xapi-g1-2026.11',
    'lrstream-xapi-g1-2026.12',
  ]);
  assert.deepEqual(ok.templates, ['lrstream-xapi-g1']);
  // One old index still behind the alias (a reconciliation that did not run) is enough to refuse.
  const s = state();
  for (const i of s.indices) i.aliased = i.generation === 1 || i.name === 'lrstream-xapi-2026.10';
  const half = checkDrop({ state: s, target: 0, writers: 0, force: true });
  assert.equal(!half.ok && half.code, 'BEHIND_READ_ALIAS');
});

test('previous generation and groups come from the serving template', () => {
  const s = state();
  for (const i of s.indices) i.aliased = i.generation === 1;
  s.templates[1] = {
    ...s.templates[1]!,
    meta: { alias, generation: 1, group: 'index-g1', previous_generation: 0 },
  };
  assert.equal(previousGeneration(s), 0);
  assert.equal(groupOf(s, 1), 'index-g1');
  assert.equal(groupOf(s, 0), 'index', 'generation 0 without a record: the service default');
  assert.equal(groupOf(s, 4), 'index-g4');
});

test('caught up: commits reach the ends seen at the previous look; progress from the start offsets', () => {
  const parts = positionsOf(
    [
      { partition: 1, low: 0n, high: 50n },
      { partition: 0, low: 10n, high: 100n },
    ],
    new Map([
      [0, 90n],
      [1, null],
    ]),
  );
  assert.deepEqual(
    parts.map((p) => [p.partition, p.committed, p.lag]),
    [
      [0, 90, 10],
      [1, undefined, 50],
    ],
  );
  assert.equal(isCaughtUp(parts, undefined), false);
  const live = [
    { partition: 0, high: 120, committed: 100 },
    { partition: 1, high: 55, committed: 50 },
  ];
  assert.equal(
    isCaughtUp(
      live,
      new Map([
        [0, 100],
        [1, 50],
      ]),
    ),
    true,
    'a live topic keeps growing',
  );
  assert.equal(
    isCaughtUp(
      live,
      new Map([
        [0, 101],
        [1, 50],
      ]),
    ),
    false,
  );
  assert.deepEqual(
    progressOf(
      live,
      new Map([
        [0, 10],
        [1, 0],
      ]),
    ),
    { done: 140, total: 165 },
  );
});

test('the catch-up reference is the topic end of about max-behind ago', () => {
  const history = createEndsHistory(5000);
  const look = (high: number) => [{ partition: 0, high, committed: undefined }];
  assert.equal(history.reference(1000), undefined);
  history.add(1000, look(10));
  history.add(3000, look(20));
  assert.deepEqual(history.reference(4000), new Map([[0, 10]]), 'nothing older: the oldest look');
  history.add(6500, look(40));
  assert.deepEqual(history.reference(8500), new Map([[0, 20]]), 'the newest look at least 5 s old');
  assert.deepEqual(history.reference(12000), new Map([[0, 40]]));
});
