// Pure: one pipeline record -> one Elasticsearch document (id, target index, body).
//
// The body is the statement itself, so dashboards (Potsie, Grafana) query xAPI fields where the
// specification puts them (verb.id, object.id, result.extensions.<IRI>...). Pipeline facts go under
// `lrstream`, a name no xAPI statement property uses.
import type { XapiAnonymized, XapiStatement } from '@lrstream/schemas';

export type Granularity = 'month' | 'day';

export interface IndexDocument {
  /** The statement id: a replay overwrites the same document instead of adding one. */
  id: string;
  index: string;
  source: Record<string, unknown>;
}

export type BuildResult =
  | { ok: true; doc: IndexDocument }
  | { ok: false; code: 'INDEX_STATEMENT_NOT_JSON' | 'INDEX_STATEMENT_NOT_OBJECT'; message: string };

const pad = (n: number) => String(n).padStart(2, '0');

/** `<prefix>-YYYY.MM` or `<prefix>-YYYY.MM.DD`, in UTC. */
export function indexName(prefix: string, epochMs: number, granularity: Granularity): string {
  const d = new Date(epochMs);
  const month = `${d.getUTCFullYear()}.${pad(d.getUTCMonth() + 1)}`;
  return `${prefix}-${granularity === 'month' ? month : `${month}.${pad(d.getUTCDate())}`}`;
}

const validTime = (ms: number | null | undefined): ms is number =>
  typeof ms === 'number' && Number.isFinite(ms) && !Number.isNaN(new Date(ms).getTime());

type Failure = Exclude<BuildResult, { ok: true }>;

function parseStatement(json: string): { ok: true; statement: Record<string, unknown> } | Failure {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return { ok: false, code: 'INDEX_STATEMENT_NOT_JSON', message: 'statement_json is not valid JSON.' };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    return { ok: false, code: 'INDEX_STATEMENT_NOT_OBJECT', message: 'statement_json is not a JSON object.' };
  return { ok: true, statement: parsed as Record<string, unknown> };
}

/**
 * The statement with the times an LRS would have filled in: `timestamp` defaults to the event time
 * and `stored` to the time lrstream received it (xAPI 1.0.3 §2.4.7-2.4.8), so time-based dashboards
 * never miss a statement that came without them.
 */
function withTimes(statement: Record<string, unknown>, eventTime: number, receivedAt: number) {
  if (statement.timestamp === undefined) statement.timestamp = new Date(eventTime).toISOString();
  if (statement.stored === undefined) statement.stored = new Date(receivedAt).toISOString();
  return statement;
}

/** Anonymized statements: monthly indices by statement time (falling back to receipt time). */
export function buildAnonymizedDocument(
  record: XapiAnonymized,
  prefix: string,
  indexedAt: number,
): BuildResult {
  const parsed = parseStatement(record.statement_json);
  if (!parsed.ok) return parsed;
  const eventTime = validTime(record.timestamp) ? record.timestamp : record.received_at;
  const source = withTimes(parsed.statement, eventTime, record.received_at);
  source.lrstream = {
    event_id: record.event_id,
    received_at: new Date(record.received_at).toISOString(),
    // Coarsened like the policy coarsened the other times, or it would give the receipt time back.
    indexed_at: new Date(coarsen(indexedAt, record.time_granularity_ms ?? null)).toISOString(),
    policy: record.policy,
    key_id: record.key_id,
    actor_pseudonym: record.actor_pseudonym,
    source_format: record.source_format,
    course_id: record.course_id,
  };
  return {
    ok: true,
    doc: { id: record.statement_id, index: indexName(prefix, eventTime, 'month'), source },
  };
}

/**
 * Identified statements (short-term store): daily indices by RECEIPT time, not statement time, so
 * that deleting a day's index after N days means "personal data is kept N days after it arrived",
 * whatever timestamp the statement claims.
 */
export function buildIdentifiedDocument(
  record: XapiStatement,
  prefix: string,
  indexedAt: number,
): BuildResult {
  const parsed = parseStatement(record.statement_json);
  if (!parsed.ok) return parsed;
  const eventTime = validTime(record.timestamp) ? record.timestamp : record.received_at;
  const source = withTimes(parsed.statement, eventTime, record.received_at);
  source.lrstream = {
    event_id: record.event_id,
    received_at: new Date(record.received_at).toISOString(),
    indexed_at: new Date(indexedAt).toISOString(),
    source_format: record.source_format,
    conversion_profile: record.conversion_profile,
    course_id: record.course_id,
  };
  return {
    ok: true,
    doc: { id: record.statement_id, index: indexName(prefix, record.received_at, 'day'), source },
  };
}

function coarsen(ms: number, unit: number | null): number {
  return unit === null || unit <= 0 ? ms : Math.floor(ms / unit) * unit;
}
