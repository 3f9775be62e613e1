// Elasticsearch reads for the open datasets: composite aggregations paged with after_key, distinct
// learners by cardinality of the pseudonym (exact below the precision threshold, 40 000). No
// scripts: this Elasticsearch build has no painless.
import type { Client } from '@elastic/elasticsearch';
import { FIELDS, VERBS, VIDEO_TYPE } from './vocabulary.js';

type Json = Record<string, unknown>;
const learners = { cardinality: { field: FIELDS.learner, precision_threshold: 40_000 } };
const verbs = (list: readonly string[]) => ({ terms: { [FIELDS.verb]: [...list] } });
const withLearners = (filter: Json) => ({ filter, aggs: { learners } });

export interface Bucket {
  key: Record<string, string | number | null>;
  doc_count: number;
  [agg: string]: unknown;
}

async function* composite(
  es: Client,
  index: string,
  filter: Json[],
  sources: Json[],
  aggs: Json,
): AsyncGenerator<Bucket> {
  let after: Json | undefined;
  for (;;) {
    const response = await es.search({
      index,
      size: 0,
      query: { bool: { filter } },
      aggs: {
        cells: { composite: { size: 1000, sources, ...(after ? { after } : {}) }, aggs } as never,
      },
    });
    const cells = (response.aggregations?.cells ?? {}) as { buckets?: Bucket[]; after_key?: Json };
    for (const b of cells.buckets ?? []) yield b;
    if (!cells.after_key || (cells.buckets ?? []).length === 0) return;
    after = cells.after_key;
  }
}

const term = (name: string, field: string) => ({ [name]: { terms: { field } } });
const calendar = (name: string, interval: '1d' | '1w') => ({
  [name]: { date_histogram: { field: FIELDS.time, calendar_interval: interval, format: 'yyyy-MM-dd' } },
});
const count = (b: Bucket, agg: string): { value: number; learners: number } => {
  const a = b[agg] as { doc_count: number; learners: { value: number } };
  return { value: a.doc_count, learners: a.learners.value };
};
const distinct = (b: Bucket) => (b.learners as { value: number }).value;
const exists = (field: string) => ({ exists: { field } });

export interface VideoDayRow {
  course: string;
  video: string;
  day: string;
  viewers: number;
  views: { value: number; learners: number };
  completeViews: { value: number; learners: number };
  downloads: { value: number; learners: number };
}

export async function videoDays(es: Client, index: string): Promise<VideoDayRow[]> {
  const rows: VideoDayRow[] = [];
  const filter = [
    { term: { [FIELDS.objectType]: VIDEO_TYPE } },
    exists(FIELDS.course),
    exists(FIELDS.learner),
  ];
  const sources = [term('course', FIELDS.course), term('video', FIELDS.object), calendar('day', '1d')];
  const aggs = {
    learners,
    views: withLearners(verbs(VERBS.initialized)),
    complete: withLearners(verbs(VERBS.completed)),
    downloads: withLearners(verbs(VERBS.downloaded)),
  };
  for await (const b of composite(es, index, filter, sources, aggs)) {
    rows.push({
      course: String(b.key.course),
      video: String(b.key.video),
      day: String(b.key.day),
      viewers: distinct(b),
      views: count(b, 'views'),
      completeViews: count(b, 'complete'),
      downloads: count(b, 'downloads'),
    });
  }
  return rows;
}

export interface ProblemRow {
  course: string;
  problem: string;
  attempts: number;
  learners: number;
  successes: number;
}

export async function problems(es: Client, index: string): Promise<ProblemRow[]> {
  const rows: ProblemRow[] = [];
  const filter = [verbs(VERBS.problem), exists(FIELDS.course), exists(FIELDS.learner)];
  const sources = [term('course', FIELDS.course), term('problem', FIELDS.object)];
  const aggs = { learners, success: { filter: { term: { [FIELDS.success]: true } } } };
  for await (const b of composite(es, index, filter, sources, aggs)) {
    rows.push({
      course: String(b.key.course),
      problem: String(b.key.problem),
      attempts: b.doc_count,
      learners: distinct(b),
      successes: (b.success as { doc_count: number }).doc_count,
    });
  }
  return rows;
}

export interface WeekRow {
  course: string;
  /** Monday of the ISO week (yyyy-MM-dd), or "all" for the course total. */
  week: string;
  active: number;
  enrollments: { value: number; learners: number };
}

export async function courseWeeks(es: Client, index: string): Promise<WeekRow[]> {
  const rows: WeekRow[] = [];
  const filter = [exists(FIELDS.course), exists(FIELDS.learner)];
  const aggs = { learners, enrollments: withLearners(verbs(VERBS.registered)) };
  const read = async (sources: Json[]) => {
    for await (const b of composite(es, index, filter, sources, aggs))
      rows.push({
        course: String(b.key.course),
        week: b.key.week === undefined ? 'all' : String(b.key.week),
        active: distinct(b),
        enrollments: count(b, 'enrollments'),
      });
  };
  await read([term('course', FIELDS.course), calendar('week', '1w')]);
  await read([term('course', FIELDS.course)]);
  return rows;
}
