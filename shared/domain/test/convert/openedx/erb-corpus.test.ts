// Conformance of the openedx profile with the Open edX event-routing-backends fixtures
// (../shared/corpus/openedx-erb): every paired raw event is converted with the settings the
// expected statements were made with, and compared as parsed JSON.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { corpusPath } from '../../corpus.js';
import type { OpenedxOptions, OpenedxStatement } from '../../../src/convert/openedx/index.js';
import { convertOpenedx, OPENEDX_EVENT_NAMES, OPENEDX_VERBS } from '../../../src/convert/openedx/index.js';

const root = corpusPath('openedx-erb');
const skip = root ? false : 'corpus absent: ../shared/corpus/openedx-erb (ERB fixtures not handed out)';

interface IndexEntry {
  raw: string;
  name: string;
  shape: string;
  xapi_expected?: string;
  xapi_statement_count?: number;
  strict_xapi_issues?: string[];
}

type Json = Record<string, unknown>;

/** Values baked into ERB's expected output (see the corpus MANIFEST). */
const ACTOR_NAME = '32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb';
const ERB_SETTINGS: OpenedxOptions = {
  lmsRootUrl: 'http://localhost:18000',
  actorId: () => ACTOR_NAME,
  courseName: () => 'Demonstration Course',
  transformerVersion: 'event-routing-backends@1.1.1',
};
/** Output as ERB's own fixture test produces it: quirks kept, raw tracking-log lines. */
const ERB_TEST_MODE: OpenedxOptions = { ...ERB_SETTINGS, erbQuirks: true, normalizeTrackingLog: false };

function readJson(...parts: string[]): unknown {
  return JSON.parse(readFileSync(join(root as string, ...parts), 'utf8'));
}

function loadIndex(): IndexEntry[] {
  return readJson('index.json') as IndexEntry[];
}

const isAnonymous = (e: IndexEntry): boolean => e.raw.includes('anonymous');

function paired(): Array<{ entry: IndexEntry; raw: Json; expected: Json[] }> {
  return loadIndex()
    .filter((e) => e.xapi_expected !== undefined && !isAnonymous(e))
    .map((entry) => {
      const expected = readJson(entry.xapi_expected as string);
      return {
        entry,
        raw: readJson(entry.raw) as Json,
        expected: (Array.isArray(expected) ? expected : [expected]) as Json[],
      };
    });
}

const clone = <T>(v: T): T => structuredClone(v);
const obj = (v: unknown): Json => v as Json;

// ------------------------------------------------------------------ deliberate deviations
// Each rule says what we do differently from ERB and why, as a patch that turns ERB's expected
// statement into ours. The default-mode test requires: exact match, or match after the patches.

interface Deviation {
  readonly id: string;
  readonly why: string;
  /** Patched copy, or undefined when the rule does not apply. 'refused' = no statement. */
  patch(statements: Json[], raw: Json, entry: IndexEntry): Json[] | 'refused' | undefined;
}

const isIri = (s: unknown): boolean => typeof s === 'string' && /^[a-z][a-z0-9+.-]*:/i.test(s);

const DEVIATIONS: Deviation[] = [
  {
    id: 'object-without-id',
    why: 'ERB emits an object without id when no block id can be found; xAPI requires one, so we refuse the event',
    patch: (list) => (list.some((s) => obj(s.object).id === undefined) ? 'refused' : undefined),
  },
  {
    id: 'group-activity',
    why: 'ERB types a multi-question problem "GroupActivity"; xAPI 1.0.3 only allows "Activity" there',
    patch(list) {
      let hit = false;
      const out = list.map((s) => {
        const c = clone(s);
        const targets = [
          obj(c.object),
          ...((obj(obj(c.context).contextActivities ?? {}).parent as Json[]) ?? []),
        ];
        for (const t of targets) {
          if (t.objectType === 'GroupActivity') {
            t.objectType = 'Activity';
            hit = true;
          }
        }
        return c;
      });
      return hit ? out : undefined;
    },
  },
  {
    id: 'tracking-log-normalized',
    why:
      'ERB tests feed tracking-log lines raw, so `data.*` lookups miss; production ERB (async tracker and ' +
      'transform_tracking_logs) reads `event` as `data`, which we do by default: the multi-question parent then ' +
      "describes its first question and reports that question's answer and correctness, and every statement " +
      'carries the attempt number',
    patch(list, raw, entry) {
      if (!entry.shape.startsWith('tracking_log') || list.length < 2) return undefined;
      const event = obj(raw.event);
      const subs = Object.values(obj(event.submission)).map(obj);
      const first = subs.find((s) => typeof s.response_type === 'string' && s.response_type !== '');
      if (first === undefined) return undefined;
      const attempts = { 'http://id.tincanapi.com/extension/attempt-id': event.attempts };
      const out = list.map(clone);
      const parent = out[0] as Json;
      const parentDef = obj(obj(parent.object).definition);
      delete parentDef.name;
      parentDef.description = { 'en-US': first.question };
      parentDef.extensions = attempts;
      const answer = first.answer;
      if (first.correct !== undefined) obj(parent.result).success = Boolean(first.correct);
      obj(parent.result).response = Array.isArray(answer)
        ? '[' + answer.map((a) => JSON.stringify(a)).join(', ') + ']'
        : String(answer);
      for (const child of out.slice(1)) {
        obj(obj(child.object).definition).extensions = attempts;
        obj(obj(child.context).contextActivities).parent = [clone(parent.object)];
      }
      return out;
    },
  },
  {
    id: 'score-max-equals-min',
    why: 'ERB reports score.max = score.min = 0 for ungraded work; xAPI requires max > min, so max is left out',
    patch(list) {
      let hit = false;
      const out = list.map((s) => {
        const c = clone(s);
        const sc = obj(obj(c.result ?? {}).score ?? {});
        if (typeof sc.max === 'number' && sc.max === sc.min) {
          delete sc.max;
          hit = true;
        }
        return c;
      });
      return hit ? out : undefined;
    },
  },
  {
    id: 'exam-attempt-not-iri',
    why: 'ERB uses the bare attempt code (a UUID) as activity id; it is not an IRI, so we write urn:uuid:<code>',
    patch(list) {
      let hit = false;
      const out = list.map((s) => {
        const c = clone(s);
        const grouping = (obj(obj(c.context).contextActivities ?? {}).grouping as Json[] | undefined) ?? [];
        for (const g of grouping) {
          if (!isIri(g.id) && typeof g.id === 'string') {
            g.id = `urn:uuid:${g.id.toLowerCase()}`;
            hit = true;
          }
        }
        return c;
      });
      return hit ? out : undefined;
    },
  },
];

/** Indices of the statements the corpus index flags as not strictly valid xAPI 1.0.3. */
function strictInvalid(entry: IndexEntry): Set<number> {
  const out = new Set<number>();
  for (const issue of entry.strict_xapi_issues ?? []) {
    const m = /^\[(\d+)\]/.exec(issue);
    if (m) out.add(Number(m[1]));
  }
  return out;
}

describe('openedx profile vs event-routing-backends fixtures', { skip }, () => {
  it('ERB test mode (erbQuirks, raw tracking-log lines) reproduces every paired statement exactly', (t) => {
    let total = 0;
    let exact = 0;
    const failures: string[] = [];
    for (const { entry, raw, expected } of paired()) {
      const res = convertOpenedx(raw, ERB_TEST_MODE);
      assert.equal(res.statements.length, expected.length, `${entry.raw}: statement count`);
      expected.forEach((x, i) => {
        total++;
        if (isDeepStrictEqual(res.statements[i], x)) exact++;
        else failures.push(`${entry.raw}[${i}]`);
      });
    }
    t.diagnostic(`ERB test mode: ${exact}/${total} paired statements identical (parsed JSON)`);
    assert.deepEqual(failures, []);
    assert.equal(total, 89);
  });

  it('anonymous fixtures yield no statement (ERB raises for them)', (t) => {
    const anonymous = loadIndex().filter(isAnonymous);
    assert.ok(anonymous.length > 0);
    for (const entry of anonymous) {
      for (const options of [ERB_SETTINGS, ERB_TEST_MODE]) {
        const res = convertOpenedx(readJson(entry.raw), options);
        assert.equal(res.status, 'skipped', entry.raw);
        assert.deepEqual(res.statements, []);
        assert.deepEqual(
          res.issues.map((i) => i.code),
          ['OPENEDX_ACTOR_MISSING'],
        );
      }
    }
    t.diagnostic(`${anonymous.length} anonymous fixture(s) refused with OPENEDX_ACTOR_MISSING`);
  });

  it('default options: exact match or an explicit deliberate deviation, never anything else', (t) => {
    let total = 0;
    let exact = 0;
    const byRule = new Map<string, number>();
    const deviating: string[] = [];
    const flagged: string[] = [];
    for (const { entry, raw, expected } of paired()) {
      const res = convertOpenedx(raw, ERB_SETTINGS);
      for (const i of strictInvalid(entry)) flagged.push(`${entry.raw}[${i}]`);
      total += expected.length;
      if (isDeepStrictEqual(res.statements, expected)) {
        exact += expected.length;
        continue;
      }
      // Apply every rule that applies, in order; the result must equal our output.
      let patched: Json[] | 'refused' = expected;
      const applied: string[] = [];
      for (const rule of DEVIATIONS) {
        if (patched === 'refused') break;
        const next = rule.patch(patched, raw, entry);
        if (next !== undefined) {
          patched = next;
          applied.push(rule.id);
        }
      }
      assert.ok(applied.length > 0, `${entry.raw}: differs from ERB without a declared deviation`);
      if (patched === 'refused') {
        assert.equal(res.status, 'skipped', entry.raw);
        assert.deepEqual(res.statements, []);
        assert.ok(res.issues.some((i) => i.code === 'OPENEDX_OBJECT_ID_MISSING'));
      } else {
        assert.deepEqual(res.statements, patched, `${entry.raw}: after ${applied.join(', ')}`);
      }
      expected.forEach((x, i) => {
        if (!isDeepStrictEqual(res.statements[i], x)) deviating.push(`${entry.raw}[${i}]`);
        else exact++;
      });
      for (const id of applied) byRule.set(id, (byRule.get(id) ?? 0) + expected.length);
    }
    t.diagnostic(
      `default options: ${exact}/${total} statements identical to ERB, ${deviating.length} deliberate`,
    );
    for (const rule of DEVIATIONS) {
      t.diagnostic(`  ${rule.id}: ${byRule.get(rule.id) ?? 0} statement(s) - ${rule.why}`);
    }
    // We deviate exactly where ERB's output is not valid xAPI 1.0.3, nowhere else.
    assert.deepEqual(deviating.sort(), flagged.sort());
    assert.equal(exact + deviating.length, total);
  });

  it('statement ids equal ERB ids in every mode (de-duplication with Aspects)', (t) => {
    let compared = 0;
    for (const { entry, raw, expected } of paired()) {
      for (const options of [ERB_SETTINGS, ERB_TEST_MODE, { ...ERB_SETTINGS, normalizeTrackingLog: false }]) {
        const res = convertOpenedx(raw, options);
        res.statements.forEach((s: OpenedxStatement, i) => {
          assert.equal(s.id, expected[i]?.id, `${entry.raw}[${i}]`);
          compared++;
        });
      }
    }
    t.diagnostic(`${compared} statement ids compared across three option sets`);
  });

  it('unpaired fixtures and tracking.log lines convert without throwing', (t) => {
    const statuses = new Map<string, number>();
    for (const entry of loadIndex().filter((e) => e.xapi_expected === undefined)) {
      const res = convertOpenedx(readJson(entry.raw), ERB_SETTINGS);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      assert.equal(res.status, 'converted', `${entry.raw}: ${JSON.stringify(res.issues)}`);
    }
    t.diagnostic(`unpaired raw fixtures: ${JSON.stringify(Object.fromEntries(statuses))}`);

    const lines = readFileSync(join(root as string, 'tracking_log', 'tracking.log'), 'utf8')
      .split('\n')
      .filter(Boolean);
    let unparsable = 0;
    let pageViews = 0;
    for (const line of lines) {
      let event: unknown;
      try {
        event = JSON.parse(line.slice(line.indexOf('{')));
      } catch {
        unparsable++;
        continue;
      }
      const res = convertOpenedx(event, ERB_SETTINGS);
      const name = (event as Json).name as string;
      if (name.startsWith('/')) {
        assert.equal(res.status, 'converted');
        assert.deepEqual(res.statements[0]?.verb, { id: OPENEDX_VERBS.viewed, display: { en: 'viewed' } });
        pageViews++;
      } else {
        assert.equal(res.status, OPENEDX_EVENT_NAMES.includes(name) ? 'converted' : 'unsupported', name);
      }
    }
    assert.equal(unparsable, 2);
    assert.equal(pageViews, 1);
    t.diagnostic(
      `tracking.log: ${lines.length} lines, ${unparsable} unparsable (on purpose), ${pageViews} page view`,
    );
  });
});
