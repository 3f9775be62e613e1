// Agreement with Ralph: fixtures/ralph-verdicts.json holds events generated for this project and the
// verdict ralph-malph 5.1.0 gave on each (strict mode is meant to be Ralph-equivalent).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { validateEdxRecord } from '../../src/edx/index.js';
import { caseEvent, verdicts } from './fixtures.js';

it('strict verdicts and selected models match the recorded Ralph verdicts', (t) => {
  const disagreements: string[] = [];
  const tally: Record<string, number> = {};
  for (const c of verdicts.cases) {
    const ours = validateEdxRecord(caseEvent(c), { mode: 'strict' });
    tally[c.ralph.status] = (tally[c.ralph.status] ?? 0) + 1;
    const sameModel = c.ralph.status === 'unknown' || ours.model === c.ralph.model;
    if (ours.status !== c.ralph.status || !sameModel) {
      disagreements.push(`#${c.id} ${c.label}: Ralph ${c.ralph.status}, ours ${ours.status}`);
    }
  }
  const total = verdicts.cases.length;
  t.diagnostic(
    `Ralph agreement ${total - disagreements.length}/${total} (Ralph: ${tally.valid ?? 0} valid, ` +
      `${tally.invalid ?? 0} invalid, ${tally.unknown ?? 0} unknown; oracle ${verdicts.oracle})`,
  );
  assert.ok(total > 500, 'fixture unexpectedly small');
  assert.deepEqual(disagreements, []);
});
