// The open-data export on the demo's data, through the real pipeline: the demo's sample generator
// (generateSample) is posted to ingest and flows through validate, convert, anonymize (default
// `pseudonymize` preset) and index, run in process with the run's own groups and index prefix.
// The export then reads the run's indices through an alias filtered on the run's statement ids, so
// that nothing a concurrent test sends through the shared topics can be counted, and `lrstream export opendata`
// runs as a child process on it. Checked: exit 0, the files, datapackage.json = CSV headers,
// every published learner count >= k, published rows in every dataset, and every published
// learner count equal to an oracle computed from the sample with the domain converter.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@elastic/elasticsearch';
import { anonymizedStatementId, generaliseUrl, parseEdxLine, type PseudonymKey } from '@lrstream/domain';
import { generateSample } from '@lrstream/cli';
import {
  edxOracleStatements,
  postEdxLines,
  postStatements,
  requiredEnv as required,
  startInProcessPipeline,
  waitFor,
  type InProcessPipeline,
} from '@lrstream/test';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LMS = 'https://lms.example.org';
// 6,000 events of seed 20261122 give 396 learner identities (200 users, each known by its edX
// user id and by its Marsha username), 48 video-day cells, 60 problem cells (13 with >= 10
// learners), 6 days in 2 ISO weeks: every dataset has cells with at least k = 10 learners.
const EVENTS = 6000;
const SEED = 20261122;
const K = 10;
const VIDEO_TYPE = 'https://w3id.org/xapi/video/activity-type/video';
const PROBLEM_VERBS = [
  'https://w3id.org/xapi/acrossx/verbs/evaluated',
  'http://adlnet.gov/expapi/verbs/answered',
];
type Json = Record<string, unknown>;

// ------------------------------------------------------------------ the oracle

interface Oracle {
  ids: string[];
  /** Distinct learner identities per cell, keyed as the CSV rows are. */
  videos: Map<string, Set<string>>;
  problems: Map<string, Set<string>>;
  weeks: Map<string, Set<string>>;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** Monday of the UTC ISO week, as the export's weekly date_histogram keys it. */
const monday = (ms: number) => {
  const d = new Date(ms);
  return day(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - ((d.getUTCDay() + 6) % 7)));
};

/**
 * The oracle under the run's key: the anonymized zone holds keyed statement ids and object ids
 * reduced to the allowed URL shapes (issue "Zero-leak, for real").
 */
function oracleOf(items: ReturnType<typeof generateSample>, key: PseudonymKey): Oracle {
  const oracle: Oracle = { ids: [], videos: new Map(), problems: new Map(), weeks: new Map() };
  const add = (cells: Map<string, Set<string>>, key: string, learner: string) => {
    const set = cells.get(key) ?? new Set<string>();
    set.add(learner);
    cells.set(key, set);
  };
  for (const item of items) {
    let statements: Json[];
    let course: string | undefined;
    if (item.format === 'xapi') {
      const s = JSON.parse(item.text) as Json;
      statements = [s];
      const parent = (s.context as { contextActivities: { parent: { id: string }[] } }).contextActivities
        .parent;
      course = parent[0]?.id.match(/course-v1:[^/?#]+/)?.[0];
    } else {
      const parsed = parseEdxLine(item.text);
      assert.ok(parsed.ok, 'the generator writes parseable edX lines');
      course = parsed.event.courseId ?? undefined;
      statements = edxOracleStatements(parsed.event.original, LMS);
    }
    for (const s of statements) {
      oracle.ids.push(anonymizedStatementId(String(s.id), key, 'pseudonymize'));
      if (!course) continue;
      const learner = JSON.stringify((s.actor as { account?: unknown }).account);
      const time = Date.parse(String(s.timestamp));
      const raw = s.object as { id: string; definition?: { type?: string } };
      const object = { ...raw, id: generaliseUrl(raw.id, key) };
      if (object.definition?.type === VIDEO_TYPE)
        add(oracle.videos, `${course}|${object.id}|${day(time)}`, learner);
      if (PROBLEM_VERBS.includes((s.verb as { id: string }).id))
        add(oracle.problems, `${course}|${object.id}`, learner);
      add(oracle.weeks, `${course}|${monday(time)}`, learner);
      add(oracle.weeks, `${course}|all`, learner);
    }
  }
  return oracle;
}

// ------------------------------------------------------------------ CSV

/** The export quotes fields only when needed; the ids it writes hold no comma or quote. */
function readCsv(path: string): { header: string[]; rows: Record<string, string>[] } {
  const [first, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const header = (first ?? '').split(',');
  for (const line of lines) assert.ok(!line.includes('"'), `${path}: unexpected quoting in ${line}`);
  return {
    header,
    rows: lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i] ?? String(i), v]))),
  };
}

// ------------------------------------------------------------------ the test

describe('open-data export on the demo sample, through the real pipeline', { timeout: 600_000 }, () => {
  const run = randomUUID().replace(/-/g, '').slice(0, 8);
  const dir = mkdtempSync(join(tmpdir(), `lrstream-opendata-${run}-`));
  const out = join(dir, 'opendata');
  const indexPrefix = `lrstream-opendata-${run}`;
  const exportIndex = `${indexPrefix}-export`;
  const sample = generateSample({ events: EVENTS, seed: SEED, badRatio: 0 });
  let oracle: Oracle;
  let pipeline: InProcessPipeline;
  let es: Client;

  async function countIndexed(ids: string[]): Promise<number> {
    await es.indices.refresh({ index: `${indexPrefix}-*`, ignore_unavailable: true }).catch(() => undefined);
    let found = 0;
    for (let i = 0; i < ids.length; i += 5000)
      found += (
        await es.count({ index: `${indexPrefix}-*`, query: { ids: { values: ids.slice(i, i + 5000) } } })
      ).count;
    return found;
  }

  before(async () => {
    pipeline = await startInProcessPipeline({
      name: 'opendata',
      run,
      dir,
      platformUrl: LMS,
      startFrom: 'latest',
      anonymizePolicy: 'pseudonymize',
    });
    es = pipeline.es;
    const secret = Buffer.from(readFileSync(String(pipeline.env.ANONYMIZE_KEY_FILE), 'utf8').trim());
    oracle = oracleOf(sample, { id: 'k1', secret });
  });

  after(async () => {
    await pipeline?.stop();
  });

  test(`the ${EVENTS}-event demo sample goes through the pipeline into the index`, async () => {
    const edx = sample.filter((i) => i.format === 'edx').map((i) => i.text);
    const xapi = sample.filter((i) => i.format === 'xapi').map((i) => JSON.parse(i.text) as Json);
    for (let i = 0; i < edx.length; i += 500) await postEdxLines(pipeline, edx.slice(i, i + 500));
    for (let i = 0; i < xapi.length; i += 200) await postStatements(pipeline, xapi.slice(i, i + 200));
    const ids = [...new Set(oracle.ids)];
    assert.equal(ids.length, oracle.ids.length, 'statement ids are unique');
    await waitFor(
      `the ${ids.length} statements of the sample in Elasticsearch`,
      async () => ((await countIndexed(ids)) === ids.length ? true : undefined),
      { timeoutMs: 240_000, intervalMs: 2000 },
    );
    // Only this run's statements are exported (the topics are shared with other runs): a filtered
    // alias on the run's indices. This Elasticsearch build has no _reindex.
    await es.indices.updateAliases({
      actions: [
        { add: { index: `${indexPrefix}-2*`, alias: exportIndex, filter: { ids: { values: ids } } } },
      ],
    });
    assert.equal((await es.count({ index: exportIndex })).count, ids.length);
  });

  test(`lrstream export opendata --k ${K}: files, schema, k-anonymity, published rows, oracle`, () => {
    const cli = spawnSync(
      process.execPath,
      [
        join(ROOT, 'shared/cli/bin/lrstream.js'),
        'export',
        'opendata',
        '--out',
        out,
        '--index',
        exportIndex,
        '--es',
        required('ELASTICSEARCH_URL'),
        '--k',
        String(K),
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(cli.status, 0, cli.stderr);
    process.stderr.write(cli.stderr);
    const csvs = ['course_videos_daily.csv', 'course_problems.csv', 'course_weeks.csv'];
    for (const f of [...csvs, 'datapackage.json', 'README.md'])
      assert.ok(existsSync(join(out, f)), `${f} written`);
    const pkg = JSON.parse(readFileSync(join(out, 'datapackage.json'), 'utf8')) as {
      resources: { path: string; schema: { fields: { name: string }[] } }[];
    };
    assert.deepEqual(pkg.resources.map((r) => r.path).sort(), [...csvs].sort(), 'every CSV, and only those');
    const learnerColumn: Record<string, string> = {
      'course_videos_daily.csv': 'viewers',
      'course_problems.csv': 'learners',
      'course_weeks.csv': 'active_learners',
    };
    const cellKey: Record<string, (r: Record<string, string>) => string> = {
      'course_videos_daily.csv': (r) => `${r.course_id}|${r.video_id}|${r.day}`,
      'course_problems.csv': (r) => `${r.course_id}|${r.problem_id}`,
      'course_weeks.csv': (r) => `${r.course_id}|${r.week}`,
    };
    const cells: Record<string, Map<string, Set<string>>> = {
      'course_videos_daily.csv': oracle.videos,
      'course_problems.csv': oracle.problems,
      'course_weeks.csv': oracle.weeks,
    };
    for (const resource of pkg.resources) {
      const { header, rows } = readCsv(join(out, resource.path));
      assert.deepEqual(
        resource.schema.fields.map((f) => f.name),
        header,
        `${resource.path}: datapackage fields = CSV header`,
      );
      const column = learnerColumn[resource.path] as string;
      assert.ok(header.includes(column), `${resource.path} has ${column}`);
      assert.ok(rows.length > 0, `${resource.path}: at least one published row`);
      for (const row of rows)
        assert.ok(Number(row[column]) >= K, `${resource.path}: ${column} < k in ${JSON.stringify(row)}`);
      // Published = the oracle's cells with at least k learners, with the same learner counts.
      const expected = [...(cells[resource.path] ?? new Map<string, Set<string>>())]
        .filter(([, learners]) => learners.size >= K)
        .map(([key, learners]) => `${key}=${learners.size}`)
        .sort();
      const published = rows.map((r) => `${cellKey[resource.path]?.(r)}=${r[column]}`).sort();
      assert.deepEqual(published, expected, `${resource.path}: published cells and learner counts`);
    }
  });
});
