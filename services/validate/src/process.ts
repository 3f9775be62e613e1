// validate: raw events -> validated edX events, or identified xAPI statements (xAPI input skips
// convert), or a dead letter with the first problem found. Pure: no Kafka here.
import {
  edxActorKey,
  parseEdxLine,
  ralphParseNamespace,
  safePointer,
  ralphUuid5,
  validateEdxEvent,
  validateXapiStatement,
  xapiActorKey,
  type EdxValidationMode,
  type Issue,
} from '@lrstream/domain';
import type { EdxEvent as EdxEventRecord, RawEvent, XapiStatement } from '@lrstream/schemas';
import type { InputRecord, Outcome } from '@lrstream/kafka';

export interface ValidateOptions {
  edxMode: EdxValidationMode;
  /** What to do with edX events of a type no model describes: pass them on, or dead-letter them. */
  unknownEdx: 'pass' | 'dead-letter';
}

// Statements that arrive without an id get one derived from their event id, so a replay of the
// same raw record yields the same statement id (and the same Elasticsearch document).
const MISSING_ID_NAMESPACE = ralphParseNamespace('5f0c3a52-8a4e-4c1b-9d0e-7b2f6a1c3e58') as Buffer;

function parsed(payload: Uint8Array): unknown {
  const text = Buffer.from(payload).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    // An edX line may carry a syslog prefix before its JSON.
    const start = text.indexOf('{');
    try {
      return start >= 0 ? JSON.parse(text.slice(start)) : undefined;
    } catch {
      return undefined;
    }
  }
}

// The pointer names no key of the input (keys can be e-mails or names): positions instead.
const deadLetter = (issue: Issue, raw: RawEvent): Outcome => ({
  kind: 'dead-letter',
  code: issue.code,
  message: issue.message,
  pointer: safePointer(issue.pointer ? parsed(raw.payload) : undefined, issue.pointer),
  payload: raw.payload,
  eventId: raw.event_id,
});

export function validateRecord(input: InputRecord<RawEvent>, options: ValidateOptions): Outcome {
  const raw = input.value;
  const origin = { topic: input.topic, partition: input.partition, offset: Number(input.offset) };
  const text = Buffer.from(raw.payload).toString('utf8');
  if (raw.format === 'xapi') return validateXapi(text, raw, origin);
  return validateEdx(text, raw, origin, options);
}

function validateXapi(text: string, raw: RawEvent, origin: XapiStatement['origin']): Outcome {
  let statement: unknown;
  try {
    statement = JSON.parse(text);
  } catch {
    return deadLetter(
      { code: 'XAPI_JSON_PARSE', message: 'The statement is not valid JSON.', pointer: '' },
      raw,
    );
  }
  if (statement && typeof statement === 'object' && !Array.isArray(statement)) {
    const s = statement as Record<string, unknown>;
    if (s.id === undefined) s.id = ralphUuid5(MISSING_ID_NAMESPACE, raw.event_id);
    // An LRS records when it stored a statement; ours is the receipt time.
    if (s.stored === undefined) s.stored = new Date(raw.received_at).toISOString();
  }
  const issues = validateXapiStatement(statement);
  const first = issues[0];
  if (first) return deadLetter(first, raw);
  const s = statement as Record<string, unknown>;
  const object = (s.object ?? {}) as Record<string, unknown>;
  const value: XapiStatement = {
    statement_id: String(s.id),
    event_id: raw.event_id,
    received_at: raw.received_at,
    origin,
    source_format: 'xapi',
    conversion_profile: null,
    timestamp: parseTime(s.timestamp),
    verb_id: String((s.verb as Record<string, unknown>).id),
    object_type: typeof object.objectType === 'string' ? object.objectType : 'Activity',
    object_id: typeof object.id === 'string' ? object.id : null,
    course_id: courseOf(s),
    statement_json: JSON.stringify(s),
  };
  return {
    kind: 'emit',
    outputs: [{ topic: 'xapiIdentified', key: xapiActorKey(s.actor) ?? raw.event_id, value }],
  };
}

function validateEdx(
  text: string,
  raw: RawEvent,
  origin: EdxEventRecord['origin'],
  options: ValidateOptions,
): Outcome {
  const parsed = parseEdxLine(text);
  if (!parsed.ok) return deadLetter(parsed.issue, raw);
  const event = parsed.event;
  const result = validateEdxEvent(event, { mode: options.edxMode });
  if (result.status === 'invalid')
    return deadLetter(
      result.issues[0] ?? { code: 'EDX_INVALID', message: 'Invalid edX event.', pointer: '' },
      raw,
    );
  if (result.status === 'unknown' && options.unknownEdx === 'dead-letter') {
    return deadLetter(
      result.issues[0] ?? {
        code: 'EDX_UNKNOWN_TYPE',
        message: 'No model for this event type.',
        pointer: '/event_type',
      },
      raw,
    );
  }
  const value: EdxEventRecord = {
    event_id: raw.event_id,
    received_at: raw.received_at,
    origin,
    event_type: event.eventType ?? '',
    event_source: event.eventSource ?? null,
    time: parseTime(event.time),
    course_id: event.courseId ?? null,
    model: result.model ?? null,
    validation: result.status === 'valid' ? 'valid' : 'unknown',
    event_json: JSON.stringify(event.original),
    raw_line: text.endsWith('\n') ? text : `${text}\n`,
  };
  return {
    kind: 'emit',
    outputs: [{ topic: 'edxValid', key: edxActorKey(event.record) ?? raw.event_id, value }],
  };
}

function parseTime(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * Open edX course ids inside a course activity IRI (https://lms/courses/course-v1:ORG+RUN+TERM/...)
 * are reduced to the course key, so xAPI input and converted edX events share one course_id.
 */
function courseKey(iri: string): string {
  return iri.match(/(course-v1:[^/?#]+)/)?.[1] ?? iri;
}

/** The course a statement belongs to: the first contextActivities parent or grouping of type course. */
function courseOf(statement: Record<string, unknown>): string | null {
  const context = statement.context as Record<string, unknown> | undefined;
  const activities = context?.contextActivities as Record<string, unknown> | undefined;
  for (const kind of ['parent', 'grouping']) {
    const list = activities?.[kind];
    for (const activity of Array.isArray(list) ? list : list ? [list] : []) {
      const a = activity as { id?: unknown; definition?: { type?: unknown } };
      if (typeof a.id === 'string' && String(a.definition?.type ?? '').endsWith('/course'))
        return courseKey(a.id);
    }
  }
  return null;
}
