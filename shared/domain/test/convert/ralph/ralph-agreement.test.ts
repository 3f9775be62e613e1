// Our `ralph` profile against the real Ralph: fixtures recorded by scripts/ralph-compare/run.sh
// (ralph-malph 5.1.0). Every input line must give Ralph's statement, or be refused as Ralph refuses it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRalphConverter, ralphConvertLine, ralphLines } from '../../../src/convert/ralph/index.js';
import type { RalphStatus } from '../../../src/convert/ralph/index.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
// The options run.sh passes to `ralph convert`.
const OPTIONS = {
  platformUrl: 'https://lms.example.org/',
  uuidNamespace: 'ee241f8b-174f-5bdb-a4a3-a7b5b2d2fd72',
};

interface StatusRow {
  line: number;
  status: RalphStatus;
  ralph?: string;
}

const inputLines = ralphLines(fixture('input.ndjson'));
const ralphStatements = new Map<string, unknown>(
  fixture('ralph-output.ndjson')
    .split('\n')
    .filter((row) => row !== '')
    .map((row) => {
      const statement = JSON.parse(row) as { id: string };
      return [statement.id, statement];
    }),
);
const statuses = fixture('ralph-status.ndjson')
  .split('\n')
  .filter((row) => row !== '')
  .map((row) => JSON.parse(row) as StatusRow);

test('fixtures are consistent', () => {
  assert.ok(inputLines.length >= 500, `expected a varied fixture, got ${inputLines.length} lines`);
  assert.equal(statuses.length, inputLines.length);
  assert.equal(statuses.filter((s) => s.status === 'converted').length, ralphStatements.size);
});

test('every line converts exactly as Ralph converts it', (t) => {
  const converter = createRalphConverter(OPTIONS);
  let agree = 0;
  const disagreements: string[] = [];
  const perConverter = new Map<string, { agree: number; total: number }>();
  inputLines.forEach((line, index) => {
    const expected = statuses[index]!;
    const ours = ralphConvertLine(converter, line);
    const key = ours.converter ?? `(${ours.status})`;
    const tally = perConverter.get(key) ?? { agree: 0, total: 0 };
    tally.total++;
    perConverter.set(key, tally);
    let same = ours.status === expected.status;
    if (same && ours.status === 'converted') {
      const ralph = ralphStatements.get(String(ours.statement!.id));
      // Our statement object against Ralph's output parsed as JSON (-0 is compared as -0).
      try {
        assert.deepStrictEqual(ours.statement, ralph);
      } catch {
        same = false;
      }
    }
    if (same) {
      agree++;
      tally.agree++;
    } else {
      disagreements.push(
        `line ${index + 1}: ralph ${expected.status} (${expected.ralph ?? ''}), ours ${ours.status}`,
      );
    }
  });
  t.diagnostic(`agreement with ralph-malph 5.1.0: ${agree}/${inputLines.length} lines`);
  for (const [name, tally] of [...perConverter].sort())
    t.diagnostic(`  ${name}: ${tally.agree}/${tally.total}`);
  assert.deepEqual(disagreements, []);
});

/** Every key path of a JSON value, in document order. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => [`${prefix}/${k}`, ...keyPaths(v, `${prefix}/${k}`)]);
}

test('converted statements keep Ralph key order', () => {
  const converter = createRalphConverter(OPTIONS);
  let checked = 0;
  for (const line of inputLines) {
    const ours = ralphConvertLine(converter, line);
    if (ours.status !== 'converted') continue;
    const ralph = ralphStatements.get(String(ours.statement!.id));
    assert.deepEqual(keyPaths(ours.statement), keyPaths(ralph));
    checked++;
  }
  assert.ok(checked > 300, `only ${checked} statements checked`);
});
