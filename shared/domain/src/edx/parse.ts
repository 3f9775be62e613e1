/**
 * Reading edX tracking-log input: a line (plain JSON, JSON after a syslog/logger prefix, or a GELF
 * record), an Elasticsearch hit, or an already-parsed object, into the canonical `EdxEvent`.
 */
import type { Issue } from '../issues.js';
import { pointerSegment } from '../issues.js';
import type { EdxEvent, EdxLineFormat, EdxParseResult, EdxPayloadEncoding } from './types.js';

type Obj = Record<string, unknown>;

/** Issue codes produced while reading input. */
export const EDX_PARSE_ISSUE = {
  empty: 'EDX_PARSE_EMPTY',
  noJson: 'EDX_PARSE_NO_JSON',
  json: 'EDX_PARSE_JSON',
  notObject: 'EDX_PARSE_NOT_OBJECT',
  gelf: 'EDX_PARSE_GELF',
  es: 'EDX_PARSE_ES_HIT',
  bom: 'EDX_PARSE_BOM',
} as const;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Short description of a value for `Issue.got`: its JSON type, never the value itself. */
export function describeEdxValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array (${value.length} items)`;
  if (typeof value === 'string') return `string (${value.length} chars)`;
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (value === undefined) return 'nothing';
  return typeof value;
}

function jsonError(err: unknown, offset: number): Issue {
  // V8 messages may quote the input; keep only the position.
  const position = /position (\d+)/.exec(err instanceof Error ? err.message : '');
  return {
    code: EDX_PARSE_ISSUE.json,
    message: 'The JSON part of the line could not be parsed.',
    pointer: '',
    expected: 'a JSON object',
    got: position ? `invalid JSON at character ${offset + Number(position[1])}` : 'invalid JSON',
  };
}

/** `start`: where the JSON begins in the text (after whitespace or a logger prefix). */
type JsonText = { ok: true; value: unknown; prefixed: boolean; start: number } | { ok: false; issue: Issue };

/**
 * Finds and parses the JSON object on a line. Anything before the first `{` is taken as a
 * logger prefix: syslog (`Jan  1 00:00:00 host tracking: `), ISO timestamp + host + tag, or
 * Python logging (`2023-05-23 13:53:13,461 INFO 20 [tracking] ... - `).
 */
function parseJsonText(text: string): JsonText {
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (start < text.length && text.charCodeAt(start) <= 32) start++;
  if (start >= text.length) {
    return { ok: false, issue: { code: EDX_PARSE_ISSUE.empty, message: 'The line is empty.', pointer: '' } };
  }
  let prefixed = false;
  if (text[start] !== '{') {
    const brace = text.indexOf('{', start);
    if (brace < 0) {
      return {
        ok: false,
        issue: {
          code: EDX_PARSE_ISSUE.noJson,
          message: 'The line holds no JSON object.',
          pointer: '',
          expected: 'a JSON object, optionally after a logger prefix',
          got: `text without "{" (${text.length} chars)`,
        },
      };
    }
    start = brace;
    prefixed = true;
  }
  try {
    return { ok: true, value: JSON.parse(start === 0 ? text : text.slice(start)), prefixed, start };
  } catch (err) {
    return { ok: false, issue: jsonError(err, start) };
  }
}

/** True for a GELF record (version, host and short_message are the required GELF fields). */
export function isEdxGelfRecord(value: unknown): value is Obj {
  return isObject(value) && typeof value.short_message === 'string' && 'version' in value && 'host' in value;
}

/**
 * The edX event carried by a GELF record: its `short_message` (or `full_message`) text, which may
 * itself start with a logger prefix. Returns the parsed edX object.
 */
export function extractEdxGelf(
  record: unknown,
): { ok: true; value: Obj; text: string } | { ok: false; issue: Issue } {
  if (!isObject(record)) {
    return {
      ok: false,
      issue: {
        code: EDX_PARSE_ISSUE.gelf,
        message: 'A GELF record must be a JSON object.',
        pointer: '',
        expected: 'object',
        got: describeEdxValue(record),
      },
    };
  }
  for (const key of ['short_message', 'full_message']) {
    const text = record[key];
    if (typeof text !== 'string' || !text.includes('{')) continue;
    const parsed = parseJsonText(text);
    if (!parsed.ok) return { ok: false, issue: { ...parsed.issue, pointer: `/${key}` } };
    if (!isObject(parsed.value)) {
      return {
        ok: false,
        issue: {
          code: EDX_PARSE_ISSUE.notObject,
          message: 'The GELF message does not hold a JSON object.',
          pointer: `/${key}`,
          expected: 'object',
          got: describeEdxValue(parsed.value),
        },
      };
    }
    // `text`: the edX JSON as the message holds it (from its first "{", a logger prefix dropped).
    return { ok: true, value: parsed.value, text: text.slice(parsed.start) };
  }
  return {
    ok: false,
    issue: {
      code: EDX_PARSE_ISSUE.gelf,
      message: 'The GELF record has no message holding a JSON object.',
      pointer: '/short_message',
      expected: 'string holding an edX JSON event',
      got: describeEdxValue(record.short_message),
    },
  };
}

/** The document of an Elasticsearch hit (`_source`), i.e. the stored edX event or xAPI statement. */
export function extractEdxEsSource(hit: unknown): { ok: true; value: Obj } | { ok: false; issue: Issue } {
  const source = isObject(hit) ? hit._source : undefined;
  if (isObject(source)) return { ok: true, value: source };
  return {
    ok: false,
    issue: {
      code: EDX_PARSE_ISSUE.es,
      message: 'The Elasticsearch hit has no _source object.',
      pointer: '/_source',
      expected: 'object',
      got: describeEdxValue(source),
    },
  };
}

/** The hits of an Elasticsearch search response (`hits.hits`), or [] when there are none. */
export function listEdxEsHits(response: unknown): unknown[] {
  const outer = isObject(response) ? response.hits : undefined;
  const inner = isObject(outer) ? outer.hits : undefined;
  return Array.isArray(inner) ? inner : [];
}

/** Decodes an `application/x-www-form-urlencoded` string; repeated keys become arrays. */
export function decodeEdxQueryString(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const previous = out[key];
    if (previous === undefined) out[key] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else out[key] = [previous, value];
  }
  return out;
}

const FORM = /^[^\s{}[\]"=&][^\s{}"]*=[^\s]*$/;

function decodePayload(event: unknown): { payload: unknown; encoding: EdxPayloadEncoding } {
  if (event === undefined || event === null) return { payload: undefined, encoding: 'none' };
  if (Array.isArray(event)) return { payload: event, encoding: 'array' };
  if (typeof event === 'object') return { payload: event, encoding: 'object' };
  if (typeof event !== 'string') return { payload: event, encoding: 'string' };
  const first = event.trimStart()[0];
  if (first === '{' || first === '[') {
    try {
      return { payload: JSON.parse(event), encoding: 'json-string' };
    } catch {
      // Server events are cut at 512 characters and often are not valid JSON: keep the text.
      return { payload: event, encoding: 'string' };
    }
  }
  if (FORM.test(event)) return { payload: decodeEdxQueryString(event), encoding: 'query-string' };
  return { payload: event, encoding: 'string' };
}

/** Request fields Open edX moves from `context` to the top level when writing tracking logs. */
const CONTEXT_FIELDS_TO_TOP = ['username', 'session', 'ip', 'agent', 'host', 'referer', 'accept_language'];

function isAsyncShape(obj: Obj): boolean {
  return !('event_type' in obj) && typeof obj.name === 'string' && ('timestamp' in obj || 'data' in obj);
}

/**
 * Maps an async (`name`/`timestamp`/`data`) event onto the tracking-log shape, following Open edX's
 * legacy field mapping: request fields move from context to the top (default ""), `data` becomes
 * `event`, `timestamp` becomes `time`, `event_type` defaults to `name`, `event_source` to "server",
 * `page` to null. `name` is kept, as in real tracking logs. The input is not modified.
 */
function asyncToTracking(obj: Obj): Obj {
  const record: Obj = { ...obj };
  const context: Obj = isObject(obj.context) ? { ...obj.context } : {};
  if ('context' in obj) {
    for (const field of CONTEXT_FIELDS_TO_TOP) moveFromContext(record, context, field, '');
    record.context = context;
  }
  record.event = 'data' in obj ? obj.data : {};
  delete record.data;
  if ('timestamp' in context) {
    record.time = context.timestamp;
    delete context.timestamp;
  } else if ('timestamp' in obj) record.time = obj.timestamp;
  delete record.timestamp;
  moveFromContext(record, context, 'event_type', obj.name);
  moveFromContext(record, context, 'event_source', 'server');
  moveFromContext(record, context, 'page', null);
  return record;
}

function moveFromContext(record: Obj, context: Obj, field: string, fallback: unknown): void {
  if (field in context) {
    record[field] = context[field];
    delete context[field];
  } else if (!(field in record)) record[field] = fallback;
}

function optionalString(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Builds the canonical event from a parsed edX object (either shape). Never throws. */
export function normalizeEdxRecord(obj: Obj): EdxEvent {
  const async = isAsyncShape(obj);
  const record = async ? asyncToTracking(obj) : obj;
  const context = isObject(record.context) ? record.context : undefined;
  const { payload, encoding } = decodePayload(record.event);
  return {
    record,
    original: obj,
    shape: async ? 'async' : 'tracking',
    eventType: typeof record.event_type === 'string' ? record.event_type : undefined,
    eventSource: typeof record.event_source === 'string' ? record.event_source : undefined,
    time: typeof record.time === 'string' ? record.time : undefined,
    username: optionalString(record.username),
    userId: optionalString(context?.user_id),
    courseId: optionalString(context?.course_id),
    payload,
    payloadEncoding: encoding,
  };
}

/** Parses one parsed JSON value (object expected) into the canonical event. */
export function parseEdxObject(value: unknown, format: EdxLineFormat = 'json'): EdxParseResult {
  if (isEdxGelfRecord(value)) {
    const inner = extractEdxGelf(value);
    return inner.ok
      ? { ok: true, event: normalizeEdxRecord(inner.value), format: 'gelf', jsonText: inner.text }
      : inner;
  }
  if (!isObject(value)) {
    return {
      ok: false,
      issue: {
        code: EDX_PARSE_ISSUE.notObject,
        message: 'An edX event must be a JSON object.',
        pointer: '',
        expected: 'object',
        got: describeEdxValue(value),
      },
    };
  }
  return { ok: true, event: normalizeEdxRecord(value), format };
}

// String.prototype.isWellFormed (ES2024, in Node 20) is missing from the ES2022 lib we compile against.
const isWellFormed = (text: string): boolean =>
  (text as unknown as { isWellFormed(): boolean }).isWellFormed();
const ESCAPED_SURROGATE = /\\u[dD][89a-fA-F]/;

/**
 * False when JSON text may decode to a string or key holding a lone UTF-16 surrogate: it holds an
 * escape `\uD800`-`\uDFFF` (paired or not; the walk decides) or is itself not well formed.
 */
function surrogateFreeText(text: string): boolean {
  if (text.indexOf('\\u') !== -1 && ESCAPED_SURROGATE.test(text)) return false;
  return isWellFormed(text);
}

/**
 * JSON pointers of the string values holding a lone UTF-16 surrogate. JSON allows the escape;
 * Unicode text cannot hold it, and Ralph refuses such values (a pydantic validation error, or a
 * serialisation error that stops `ralph validate`). Object keys are not checked: Ralph accepts
 * them (e.g. in `context.course_user_tags`), and an undeclared key is refused by --strict anyway.
 */
export function findEdxLoneSurrogates(value: unknown, pointer = '', out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (!isWellFormed(value)) out.push(pointer);
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) findEdxLoneSurrogates(value[i], `${pointer}/${i}`, out);
  } else if (isObject(value)) {
    for (const key of Object.keys(value)) {
      findEdxLoneSurrogates(value[key], `${pointer}/${pointerSegment(key)}`, out);
    }
  }
  return out;
}

/**
 * Parses one tracking-log line: plain JSON, JSON after a syslog/logger prefix, or a GELF record
 * whose `short_message` holds the edX JSON.
 */
export function parseEdxLine(line: string): EdxParseResult {
  let first = 0;
  while (first < line.length && line.charCodeAt(first) <= 32) first++;
  if (line.charCodeAt(first) === 0xfeff) {
    // json.loads refuses it ("Unexpected UTF-8 BOM"), so do Ralph's validate and convert, and ours.
    return {
      ok: false,
      issue: {
        code: EDX_PARSE_ISSUE.bom,
        message: 'The line starts with a byte order mark (U+FEFF), which JSON text must not.',
        pointer: '',
        expected: 'a JSON object',
        got: 'U+FEFF before the JSON',
      },
    };
  }
  const parsed = parseJsonText(line);
  if (!parsed.ok) return parsed;
  const result = parseEdxObject(parsed.value, parsed.prefixed ? 'prefixed' : 'json');
  if (!result.ok) return result;
  if (surrogateFreeText(line)) result.event.surrogateFree = true;
  if (result.format !== 'gelf') result.jsonText = parsed.prefixed ? line.slice(parsed.start) : line;
  return result;
}
