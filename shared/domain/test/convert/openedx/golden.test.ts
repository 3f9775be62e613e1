// Output freeze of the openedx profile: golden/golden.ndjson holds varied generated events and
// the JSON text convertOpenedx produced for them before the speed work (golden/make-golden.ts).
// Any change in statements, ids, key order, issues or status fails here.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { convertOpenedx, convertOpenedxParsed } from '../../../src/convert/openedx/index.js';
import { parseEdxLine } from '../../../src/edx/parse.js';
import { GOLDEN_OPTIONS } from './golden/options.js';

interface GoldenCase {
  options: string;
  input: unknown;
  output: string;
}

const cases = readFileSync(new URL('./golden/golden.ndjson', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => JSON.parse(line) as GoldenCase);

function check(order: readonly GoldenCase[]): number {
  let same = 0;
  for (const c of order) {
    const options = GOLDEN_OPTIONS[c.options];
    assert.ok(options, `unknown option set ${c.options}`);
    // A fresh copy each time: the converter must neither depend on nor leave state in its input.
    const input = structuredClone(c.input);
    const actual = JSON.stringify(convertOpenedx(input, options));
    if (actual !== c.output) {
      assert.deepEqual(JSON.parse(actual), JSON.parse(c.output), JSON.stringify(c.input));
      assert.equal(actual, c.output, `key order differs for ${JSON.stringify(c.input)}`);
    }
    assert.deepEqual(input, c.input, 'the input was modified');
    same++;
  }
  return same;
}

/** The same through convertOpenedxParsed (payload decoded once, by the line parser). */
function checkParsed(): { same: number; reused: number } {
  let same = 0;
  let reused = 0;
  for (const c of cases) {
    const parsed = parseEdxLine(JSON.stringify(c.input));
    if (!parsed.ok) continue;
    if (parsed.event.shape === 'tracking' && parsed.event.payloadEncoding === 'json-string') reused++;
    const actual = JSON.stringify(convertOpenedxParsed(parsed.event, GOLDEN_OPTIONS[c.options]!));
    if (actual !== c.output) {
      assert.deepEqual(JSON.parse(actual), JSON.parse(c.output), JSON.stringify(c.input));
      assert.equal(actual, c.output, `key order differs for ${JSON.stringify(c.input)}`);
    }
    same++;
  }
  return { same, reused };
}

describe('openedx profile: golden outputs', () => {
  it('has a varied golden file', () => {
    const statuses = new Set(cases.map((c) => (JSON.parse(c.output) as { status: string }).status));
    assert.ok(cases.length >= 300, `${cases.length} cases`);
    assert.deepEqual([...statuses].sort(), ['converted', 'skipped', 'unsupported']);
  });

  it('reproduces every golden output exactly, in file order and in reverse', (t) => {
    const forward = check(cases);
    const backward = check([...cases].reverse());
    const statements = cases.reduce(
      (n, c) => n + (JSON.parse(c.output) as { statements: unknown[] }).statements.length,
      0,
    );
    t.diagnostic(
      `golden: ${forward}/${cases.length} equal forward, ${backward} backward (${statements} statements)`,
    );
  });

  it('convertOpenedxParsed gives the same outputs from parsed lines', (t) => {
    const { same, reused } = checkParsed();
    assert.ok(same >= cases.length - 10 && reused >= 100, `${same} compared, ${reused} reused payloads`);
    t.diagnostic(
      `golden via parseEdxLine + convertOpenedxParsed: ${same} equal (${reused} with a reused payload)`,
    );
  });
});
