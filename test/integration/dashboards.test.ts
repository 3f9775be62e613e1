// The dashboards' and alerts' queries against the real stack: every PromQL expression must parse
// and evaluate in Prometheus, and every Elasticsearch panel, built the way Grafana builds it, must
// run on an index with the production mapping and count what the panel claims to count.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run eval "$(npx lrstream stack env)" first`);
  return value.replace(/\/$/, '');
}
const PROMETHEUS_URL = env('PROMETHEUS_URL');
const ELASTICSEARCH_URL = env('ELASTICSEARCH_URL');

interface EsMetric {
  id: string;
  type: string;
  field?: string;
}
interface EsBucket {
  id: string;
  type: string;
  field: string;
  settings?: { size?: string; interval?: string; min_doc_count?: string };
}
interface Target {
  refId: string;
  expr?: string;
  query?: string;
  metrics?: EsMetric[];
  bucketAggs?: EsBucket[];
}
interface Panel {
  title: string;
  type: string;
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  panels: Panel[];
}

const load = (name: string) => JSON.parse(read(`deploy/grafana/dashboards/${name}`)) as Dashboard;
const panelsOf = (d: Dashboard) => d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);

// ------------------------------------------------------------------ Prometheus

/** Grafana's variables, as Grafana would substitute them with "All" selected. */
const grafanaVars = (expr: string) =>
  expr.replaceAll('$service', '.*').replaceAll('$__rate_interval', '1m').replaceAll('$__range', '1h');

async function promQuery(expr: string): Promise<{ status: string; error?: string }> {
  const res = await fetch(`${PROMETHEUS_URL}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: expr }),
  });
  return (await res.json()) as { status: string; error?: string };
}

test('every ops dashboard query evaluates in Prometheus', async () => {
  const exprs = panelsOf(load('lrstream-ops.json')).flatMap((p) =>
    (p.targets ?? []).map((t) => t.expr ?? ''),
  );
  assert.ok(exprs.length > 40);
  const failures: string[] = [];
  for (const expr of exprs) {
    const body = await promQuery(grafanaVars(expr));
    if (body.status !== 'success') failures.push(`${expr}: ${body.error}`);
  }
  assert.deepEqual(failures, []);
});

test('every alert expression evaluates in Prometheus', async () => {
  const alerts = parse(read('deploy/prometheus/alerts.yml')) as { groups: { rules: { expr: string }[] }[] };
  const failures: string[] = [];
  for (const { expr } of alerts.groups.flatMap((g) => g.rules)) {
    const body = await promQuery(expr);
    if (body.status !== 'success') failures.push(`${expr}: ${body.error}`);
  }
  assert.deepEqual(failures, []);
});

test('Prometheus rejects a broken expression (the check above can fail)', async () => {
  const body = await promQuery('sum(rate(lrstream_validate_events_consumed_total[5m])');
  assert.equal(body.status, 'error');
});

// ------------------------------------------------------------------ Elasticsearch

const index = `lrstream-dashtest-${randomBytes(4).toString('hex')}`;
const COURSE = 'course-v1:FUN+DASH+2026';
const OTHER = 'course-v1:FUN+OTHER+2026';
const now = Date.now();
const VIDEO = 'https://w3id.org/xapi/video/activity-type/video';
const QUESTION = 'http://adlnet.gov/expapi/activities/cmi.interaction';
const EXT = 'https://w3id.org/xapi/video/extensions/';

function statement(
  n: number,
  o: {
    verb: string;
    object: string;
    type: string;
    actor: string;
    course?: string;
    time?: number;
    success?: boolean;
  },
) {
  const result: Record<string, unknown> = {};
  if (o.time !== undefined) result.extensions = { [`${EXT}time`]: o.time };
  if (o.success !== undefined) result.success = o.success;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    timestamp: new Date(now - 3600_000).toISOString(),
    verb: { id: o.verb },
    object: { id: o.object, definition: { type: o.type } },
    result,
    context: { extensions: { [`${EXT}length`]: 600 } },
    lrstream: { course_id: o.course ?? COURSE, actor_pseudonym: o.actor },
  };
}

const PLAYED = 'https://w3id.org/xapi/video/verbs/played';
const docs = [
  statement(1, { verb: PLAYED, object: 'v1', type: VIDEO, actor: 'p1', time: 5 }),
  statement(2, { verb: PLAYED, object: 'v1', type: VIDEO, actor: 'p2', time: 0 }),
  statement(3, { verb: PLAYED, object: 'v1', type: VIDEO, actor: 'p1', time: 120 }), // a resume, not a view
  statement(4, { verb: PLAYED, object: 'v2', type: VIDEO, actor: 'p1', time: 10 }),
  statement(5, { verb: 'http://adlnet.gov/expapi/verbs/completed', object: 'v1', type: VIDEO, actor: 'p1' }),
  statement(6, { verb: 'https://w3id.org/xapi/video/verbs/paused', object: 'v1', type: VIDEO, actor: 'p2', time: 75 }),
  statement(7, { verb: 'https://w3id.org/xapi/acrossx/verbs/evaluated', object: 'q1', type: QUESTION, actor: 'p1', success: true }),
  statement(8, { verb: 'https://w3id.org/xapi/acrossx/verbs/evaluated', object: 'q1', type: QUESTION, actor: 'p2', success: false }),
  statement(9, { verb: PLAYED, object: 'v1', type: VIDEO, actor: 'p3', time: 2, course: OTHER }),
]; // prettier-ignore

async function es(method: string, path: string, body?: unknown) {
  const res = await fetch(`${ELASTICSEARCH_URL}${path}`, {
    method,
    headers: { 'content-type': body && path.endsWith('_bulk') ? 'application/x-ndjson' : 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

before(async () => {
  const template = JSON.parse(read('services/index/templates/xapi.json')) as {
    template: { mappings: unknown };
  };
  const created = await es('PUT', `/${index}`, {
    settings: { number_of_shards: 1, number_of_replicas: 0 },
    mappings: template.template.mappings,
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const bulk = docs
    .map((d) => `${JSON.stringify({ index: { _id: d.id } })}\n${JSON.stringify(d)}\n`)
    .join('');
  const res = await es('POST', `/${index}/_bulk?refresh=true`, bulk);
  assert.equal(res.body.errors, false, JSON.stringify(res.body));
});

after(async () => {
  await es('DELETE', `/${index}`);
});

/** Grafana's `lucene` variable format: Lucene special characters escaped. */
const lucene = (value: string) => value.replace(/([+\-=&|><!(){}[\]^"~*?:\\/ ])/g, '\\$1');

/** The search Grafana's Elasticsearch datasource sends for one metrics target (nested buckets). */
function searchBody(target: Target, course: string) {
  const query = (target.query ?? '*').replaceAll('${course:lucene}', course);
  let aggs: Record<string, unknown> = {};
  for (const m of target.metrics ?? []) if (m.type !== 'count') aggs[m.id] = { [m.type]: { field: m.field } };
  for (const b of [...(target.bucketAggs ?? [])].reverse()) {
    const s = b.settings ?? {};
    const min_doc_count = Number(s.min_doc_count ?? 0);
    const agg =
      b.type === 'terms'
        ? { terms: { field: b.field, size: Number(s.size ?? 10), order: { _count: 'desc' }, min_doc_count } }
        : b.type === 'histogram'
          ? { histogram: { field: b.field, interval: Number(s.interval), min_doc_count } }
          : {
              date_histogram: {
                field: b.field,
                fixed_interval: s.interval,
                min_doc_count,
                extended_bounds: { min: now - 86_400_000 * 2, max: now },
              },
            };
    aggs = { [b.id]: { ...agg, ...(Object.keys(aggs).length ? { aggs } : {}) } };
  }
  return {
    size: 0,
    query: {
      bool: {
        filter: [
          { range: { timestamp: { gte: now - 86_400_000 * 2, lte: now, format: 'epoch_millis' } } },
          { query_string: { query, analyze_wildcard: true } },
        ],
      },
    },
    aggs,
  };
}

interface Bucket {
  key: unknown;
  key_as_string?: string;
  doc_count: number;
  [agg: string]: unknown;
}
type Aggs = Record<string, { buckets: Bucket[] }>;

async function run(title: string, course = lucene(COURSE), refId = 'A') {
  const panel = panelsOf(load('lrstream-learning.json')).find((p) => p.title === title);
  assert.ok(panel, `panel "${title}"`);
  const target = panel.targets?.find((t) => t.refId === refId);
  assert.ok(target, `"${title}" ${refId}`);
  const res = await es('POST', `/${index}/_search`, searchBody(target, course));
  assert.equal(res.status, 200, `"${title}": ${JSON.stringify(res.body)}`);
  return res.body.aggregations as Aggs;
}

/** The single bucket of a stat panel: its count and its metric (cardinality, avg) if any. */
async function statOf(title: string, course?: string) {
  const aggs = await run(title, course);
  const buckets = aggs['2']?.buckets ?? [];
  assert.ok(buckets.length <= 1, `"${title}" is one bucket`);
  const b = buckets[0];
  return { count: b?.doc_count ?? 0, value: (b?.['1'] as { value?: number } | undefined)?.value };
}

test('every learning panel runs on the production mapping, for one course and for all', async () => {
  for (const panel of panelsOf(load('lrstream-learning.json')))
    for (const t of panel.targets ?? [])
      for (const course of [lucene(COURSE), '*']) await run(panel.title, course, t.refId);
});

test('video stats count views (plays in the first 30 s), viewers, completions for the course', async () => {
  assert.equal((await statOf('Views')).count, 3);
  assert.equal((await statOf('Views', '*')).count, 4, 'All courses includes the other course');
  assert.equal((await statOf('Unique viewers')).value, 2);
  assert.equal((await statOf('Completions')).count, 1);
  assert.equal((await statOf('Completing viewers')).value, 1);
  assert.equal((await statOf('Videos watched')).value, 2);
  assert.equal((await statOf('Downloads')).count, 0);
  assert.equal((await statOf('Average stop position (s)')).value, 75);
});

test('most-watched videos ranks by views with distinct viewers', async () => {
  const rows = (await run('Most-watched videos'))['2']?.buckets.map((b) => [
    b.key,
    b.doc_count,
    (b['3'] as { value: number }).value,
  ]);
  assert.deepEqual(rows, [
    ['v1', 2, 2],
    ['v2', 1, 1],
  ]);
});

test('drop-off bins pauses by video position; answers split by success', async () => {
  const bins = (await run('Where viewers stop (drop-off)'))['2']?.buckets.filter((b) => b.doc_count > 0);
  assert.deepEqual(
    bins?.map((b) => b.key),
    [60],
  );
  const answers = (await run('Answers: correct vs incorrect'))['2']?.buckets.map((b) => [
    b.key_as_string,
    b.doc_count,
  ]);
  assert.deepEqual(answers?.sort(), [
    ['false', 1],
    ['true', 1],
  ]);
});

test('daily series put the course views on one day', async () => {
  const days = (await run('Video activity per day', lucene(COURSE), 'C'))['9']?.buckets ?? [];
  assert.equal(
    days.reduce((n, b) => n + b.doc_count, 0),
    3,
  );
});
