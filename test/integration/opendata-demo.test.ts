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
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@elastic/elasticsearch';
import { convertOpenedx, parseEdxLine } from '@lrstream/domain';
import { generateSample } from '@lrstream/cli';
import { hashSecret, startIngest } from '@lrstream/ingest';
import { startValidate } from '@lrstream/validate';
import { startConvert } from '@lrstream/convert';
import { startAnonymize } from '@lrstream/anonymize';
import { startIndex } from '@lrstream/index';
import { waitFor } from '@lrstream/test';

const required = (name: string): string => {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run with the stack env (eval "$(npx lrstream stack env)").`);
  return value;
};

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

function oracleOf(items: ReturnType<typeof generateSample>): Oracle {
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
      statements = convertOpenedx(parsed.event.original, {
        lmsRootUrl: LMS,
        actorId: (u) =>
          u.userId !== undefined && u.userId !== '' ? String(u.userId) : u.username || undefined,
        courseName: () => undefined,
      }).statements as unknown as Json[];
    }
    for (const s of statements) {
      oracle.ids.push(String(s.id));
      if (!course) continue;
      const learner = JSON.stringify((s.actor as { account?: unknown }).account);
      const time = Date.parse(String(s.timestamp));
      const object = s.object as { id: string; definition?: { type?: string } };
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

interface Running {
  stop(): Promise<void>;
}

describe('open-data export on the demo sample, through the real pipeline', { timeout: 600_000 }, () => {
  const run = randomUUID().replace(/-/g, '').slice(0, 8);
  const dir = mkdtempSync(join(tmpdir(), `lrstream-opendata-${run}-`));
  const out = join(dir, 'opendata');
  const password = randomBytes(12).toString('base64url');
  const indexPrefix = `lrstream-opendata-${run}`;
  const exportIndex = `${indexPrefix}-export`;
  const sample = generateSample({ events: EVENTS, seed: SEED, badRatio: 0 });
  const oracle = oracleOf(sample);
  const services: Record<string, Running> = {};
  let es: Client;
  let ingestUrl = '';

  const auth = () => `Basic ${Buffer.from(`opendata:${password}`).toString('base64')}`;
  async function post(path: string, contentType: string, body: string): Promise<void> {
    const response = await fetch(`${ingestUrl}${path}`, {
      method: 'POST',
      headers: { authorization: auth(), 'content-type': contentType, 'x-experience-api-version': '1.0.3' },
      body,
    });
    assert.equal(response.status, 200, await response.text());
  }

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
    const authFile = join(dir, 'credentials.json');
    writeFileSync(
      authFile,
      JSON.stringify([
        { username: 'opendata', hash: await hashSecret(password), scopes: ['statements/write', 'edx/write'] },
      ]),
    );
    const keyFile = join(dir, 'key');
    writeFileSync(keyFile, randomBytes(32).toString('hex'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KAFKA_BROKERS: required('KAFKA_BROKERS'),
      SCHEMA_REGISTRY_URL: required('SCHEMA_REGISTRY_URL'),
      ELASTICSEARCH_URL: required('ELASTICSEARCH_URL'),
      INGEST_AUTH_FILE: authFile,
      INGEST_PORT: '0',
      PLATFORM_URL: LMS,
      INDEX_PREFIX: indexPrefix,
      METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
      START_FROM: 'latest',
      ANONYMIZE_POLICY: 'pseudonymize',
      ANONYMIZE_POLICY_FILE: '',
      ANONYMIZE_KEY_FILE: keyFile,
      ANONYMIZE_KEYRING_FILE: '',
    };
    es = new Client({ node: required('ELASTICSEARCH_URL') });
    const group = (name: string) => ({ ...env, GROUP_ID: `opendata-${run}-${name}` });
    services.index = await startIndex(group('index'));
    services.anonymize = await startAnonymize(group('anonymize'));
    services.convert = await startConvert(group('convert'));
    services.validate = await startValidate(group('validate'));
    const ingest = await startIngest(group('ingest'));
    services.ingest = ingest;
    ingestUrl = ingest.url;
    // START_FROM=latest: a group reads what arrives after it has joined. Send canaries until one
    // comes out of the whole pipeline; from then on nothing this run sends can be skipped.
    await waitFor(
      'a canary statement through the whole pipeline',
      async () => {
        const canary = randomUUID();
        const statement = {
          id: canary,
          actor: { objectType: 'Agent', account: { homePage: LMS, name: `canary-${run}` } },
          verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
          object: { objectType: 'Activity', id: `${LMS}/canary` },
        };
        await post('/xAPI/statements', 'application/json', JSON.stringify([statement]));
        return waitFor('the canary', async () => ((await countIndexed([canary])) ? true : undefined), {
          timeoutMs: 15_000,
          intervalMs: 500,
        }).catch(() => undefined);
      },
      { timeoutMs: 120_000, intervalMs: 0 },
    );
  });

  after(async () => {
    for (const name of ['ingest', 'validate', 'convert', 'anonymize', 'index']) await services[name]?.stop();
    await es?.indices.delete({ index: `${indexPrefix}-*`, ignore_unavailable: true }).catch(() => undefined);
    await es?.close();
  });

  test(`the ${EVENTS}-event demo sample goes through the pipeline into the index`, async () => {
    const edx = sample.filter((i) => i.format === 'edx').map((i) => i.text);
    const xapi = sample.filter((i) => i.format === 'xapi').map((i) => JSON.parse(i.text) as Json);
    for (let i = 0; i < edx.length; i += 500)
      await post('/edx/events', 'application/x-ndjson', edx.slice(i, i + 500).join('\n') + '\n');
    for (let i = 0; i < xapi.length; i += 200)
      await post('/xAPI/statements', 'application/json', JSON.stringify(xapi.slice(i, i + 200)));
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
