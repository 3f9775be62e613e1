// edX -> xAPI conversion reproducing `ralph convert --from edx --to xapi` (ralph-malph 5.x),
// statement for statement: same id, same fields, same coercions, same events refused.
import type { Issue } from '../../issues.js';
import { ralphSelectConverter } from './converters.js';
import type { RalphConverterInfo, RalphConverterName } from './converters.js';
import { isRalphIri, isRalphIriBase, isRalphIriUnder } from './iri.js';
import { pyGet1, pyGet2, pyIsEmpty, pyStr, pyStrip, pyTruthy } from './python.js';
import {
  jsonTypeOf,
  ralphDatetime,
  ralphIsText,
  ralphLaxStr,
  ralphNonNegativeFloat,
  ralphUuid,
} from './pydantic.js';
import { ralphParseNamespace, uuid5 } from './uuid5.js';

export interface RalphOptions {
  /** Ralph's `--platform-url`: the actor's account home page and the base of object ids. */
  platformUrl: string;
  /** Ralph's `--uuid-namespace`: namespace of the uuid5 statement ids. */
  uuidNamespace: string;
}

export type RalphStatus = 'converted' | 'unsupported' | 'invalid';

/** An xAPI statement as Ralph writes it (JSON-ready; key order follows Ralph's output). */
export type RalphStatement = Record<string, unknown>;

export interface RalphResult {
  /** converted: statement set; unsupported: Ralph has no conversion for this event; invalid: Ralph fails on it. */
  status: RalphStatus;
  statement?: RalphStatement;
  /** Ralph's conversion set used (also set when the event was selected but invalid). */
  converter?: RalphConverterName;
  issues: Issue[];
}

export interface RalphConverter {
  readonly options: Readonly<RalphOptions>;
  /**
   * Converts one parsed edX event. `rawLine` is the exact text Ralph reads for it, used only for
   * the statement id: for byte-identical ids pass the line with its "\n" terminator, as
   * `ralphLines` returns it (Ralph hashes the line as Python iterates stdin).
   */
  convert(event: unknown, rawLine: string): RalphResult;
}

const VIDEO_EXT = 'https://w3id.org/xapi/video/extensions/';
const LMS_PROFILE = 'https://w3id.org/xapi/lms';
const VIDEO_PROFILE = 'https://w3id.org/xapi/video';
const PROFILE_TYPE = 'http://adlnet.gov/expapi/activities/profile';
const EXT_SESSION = `${VIDEO_EXT}session-id`;
const EXT_LENGTH = `${VIDEO_EXT}length`;
const EXT_USER_AGENT = `${VIDEO_EXT}user-agent`;
const EXT_TIME = `${VIDEO_EXT}time`;
const EXT_TIME_FROM = `${VIDEO_EXT}time-from`;
const EXT_TIME_TO = `${VIDEO_EXT}time-to`;
const EXT_PROGRESS = `${VIDEO_EXT}progress`;
/** Video conversions that carry a length extension. */
const HAS_LENGTH: ReadonlySet<RalphConverterName> = new Set<RalphConverterName>([
  'UILoadVideoToVideoInitialized',
  'UIPauseVideoToVideoPaused',
  'UIStopVideoToVideoTerminated',
]);

/** Issue codes of this module. */
export const RALPH_ISSUE = {
  unsupported: 'RALPH_EVENT_UNSUPPORTED',
  missing: 'RALPH_FIELD_MISSING',
  type: 'RALPH_FIELD_TYPE',
  invalid: 'RALPH_FIELD_INVALID',
  json: 'RALPH_JSON_INVALID',
} as const;

interface Work {
  event: unknown;
  base: string;
  /** `base` when object ids built on it may take the IRI fast path, else undefined. */
  iriBase: string | undefined;
  issues: Issue[];
}

function iriOk(work: Work, value: string): boolean {
  return work.iriBase === undefined ? isRalphIri(value) : isRalphIriUnder(work.iriBase, value);
}

function issue(
  work: Work,
  code: string,
  pointer: string,
  message: string,
  expected?: string,
  got?: string,
): void {
  const entry: Issue = { code, message, pointer };
  if (expected !== undefined) entry.expected = expected;
  if (got !== undefined) entry.got = got;
  work.issues.push(entry);
}

/** JSON has no Infinity: pydantic writes null for it, and so do we. */
function jsonNumber(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

function readTimestamp(work: Work, required: boolean): string | undefined {
  const raw = pyGet1(work.event, 'time');
  if (pyIsEmpty(raw)) {
    if (required)
      issue(work, RALPH_ISSUE.missing, '/time', 'Ralph requires a time for this statement.', 'datetime');
    return undefined;
  }
  const value = ralphDatetime(raw);
  if (value === undefined) {
    issue(
      work,
      RALPH_ISSUE.invalid,
      '/time',
      'The time is not a datetime Ralph accepts.',
      'ISO 8601 datetime or Unix timestamp',
      jsonTypeOf(raw),
    );
  }
  return value;
}

function checkIri(work: Work, iri: string, pointer: string): string | undefined {
  if (iriOk(work, iri)) return iri;
  issue(
    work,
    RALPH_ISSUE.invalid,
    pointer,
    'The object id built from this field is not a valid IRI.',
    'RFC 3987 IRI',
  );
  return undefined;
}

function objectIdServer(work: Work): string | undefined {
  const type = pyGet1(work.event, 'event_type');
  if (typeof type !== 'string') {
    issue(
      work,
      RALPH_ISSUE.type,
      '/event_type',
      'Ralph appends event_type to the platform URL.',
      'string',
      jsonTypeOf(type),
    );
    return undefined;
  }
  return checkIri(work, work.base + type, '/event_type');
}

function objectIdPage(work: Work): string | undefined {
  const page = pyGet1(work.event, 'page');
  if (pyIsEmpty(page)) {
    issue(work, RALPH_ISSUE.missing, '/page', 'Ralph uses page as the object id.', 'IRI', jsonTypeOf(page));
    return undefined;
  }
  if (typeof page !== 'string') {
    issue(work, RALPH_ISSUE.invalid, '/page', 'Ralph uses page as the object id.', 'IRI', jsonTypeOf(page));
    return undefined;
  }
  return checkIri(work, page, '/page');
}

/** Ralph reads enrollment and video fields from an object payload only; a JSON-string payload fails. */
function payloadIsObject(work: Work): boolean {
  const payload = pyGet1(work.event, 'event');
  if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) return true;
  issue(
    work,
    RALPH_ISSUE.type,
    '/event',
    'Ralph reads this event payload only when it is a JSON object, not a JSON string.',
    'object',
    jsonTypeOf(payload),
  );
  return false;
}

function objectIdCourse(work: Work): string | undefined {
  const courseId = pyGet2(work.event, 'event', 'course_id');
  if (typeof courseId !== 'string') {
    issue(
      work,
      RALPH_ISSUE.type,
      '/event/course_id',
      'Ralph builds the course IRI from it.',
      'string',
      jsonTypeOf(courseId),
    );
    return undefined;
  }
  return checkIri(work, `${work.base}/courses/${pyStrip(courseId, '/')}/info`, '/event/course_id');
}

interface VideoObject {
  id: string;
  name: string;
}

function videoObject(work: Work, payloadOk: boolean): VideoObject | undefined {
  const courseId = pyGet2(work.event, 'context', 'course_id');
  const videoId = payloadOk ? pyGet2(work.event, 'event', 'id') : undefined;
  let ok = true;
  if (typeof courseId !== 'string') {
    issue(
      work,
      RALPH_ISSUE.type,
      '/context/course_id',
      'Ralph builds the video IRI from it.',
      'string',
      jsonTypeOf(courseId),
    );
    ok = false;
  }
  if (payloadOk && typeof videoId !== 'string') {
    issue(
      work,
      RALPH_ISSUE.type,
      '/event/id',
      'Ralph builds the video IRI from it.',
      'string',
      jsonTypeOf(videoId),
    );
    ok = false;
  }
  if (!ok || typeof courseId !== 'string' || typeof videoId !== 'string') return undefined;
  if (videoId === '') {
    issue(
      work,
      RALPH_ISSUE.missing,
      '/event/id',
      'Ralph uses the video id as the object name.',
      'non-empty string',
    );
    ok = false;
  }
  const prefix = `${work.base}/xblock/block-v1:${courseId}`;
  const id = `${prefix}-course-v1:+type@video+block@${videoId}`;
  if (!iriOk(work, id)) {
    checkIri(work, id, isRalphIri(prefix) ? '/event/id' : '/context/course_id');
    return undefined;
  }
  return ok ? { id, name: videoId } : undefined;
}

function readSession(work: Work, required: boolean): string | undefined {
  const raw = pyGet1(work.event, 'session');
  if (pyIsEmpty(raw)) {
    if (required) issue(work, RALPH_ISSUE.missing, '/session', 'Ralph requires a session id here.', 'UUID');
    return undefined;
  }
  const value = ralphUuid(raw);
  if (value === undefined) {
    issue(
      work,
      RALPH_ISSUE.invalid,
      '/session',
      'The session is not a UUID.',
      'UUID (32 hex digits)',
      jsonTypeOf(raw),
    );
  }
  return value;
}

function readVideoTime(work: Work, field: string): number | null | undefined {
  const pointer = `/event/${field}`;
  const raw = pyGet2(work.event, 'event', field);
  if (pyIsEmpty(raw)) {
    issue(work, RALPH_ISSUE.missing, pointer, 'Ralph requires this video time.', 'non-negative number');
    return undefined;
  }
  const value = ralphNonNegativeFloat(raw);
  if (value === undefined) {
    issue(
      work,
      RALPH_ISSUE.invalid,
      pointer,
      'Not a non-negative number.',
      'non-negative number',
      jsonTypeOf(raw),
    );
    return undefined;
  }
  return jsonNumber(value);
}

function category(profile: string): Record<string, unknown> {
  return { contextActivities: { category: [{ id: profile, definition: { type: PROFILE_TYPE } }] } };
}

interface Parts {
  object?: Record<string, unknown>;
  result?: Record<string, unknown>;
  context?: Record<string, unknown>;
  timestamp?: string;
}

function buildParts(info: RalphConverterInfo, work: Work): Parts | undefined {
  switch (info.name) {
    case 'ServerEventToPageViewed':
    case 'UIPageCloseToPageTerminated': {
      const id = info.name === 'ServerEventToPageViewed' ? objectIdServer(work) : objectIdPage(work);
      const timestamp = readTimestamp(work, false);
      if (id === undefined) return undefined;
      return { object: { id, definition: { type: info.activityType } }, timestamp };
    }
    case 'EdxCourseEnrollmentActivatedToLMSRegisteredCourse':
    case 'EdxCourseEnrollmentDeactivatedToLMSUnregisteredCourse': {
      const id = payloadIsObject(work) ? objectIdCourse(work) : undefined;
      const timestamp = readTimestamp(work, true);
      if (id === undefined) return undefined;
      return {
        object: { id, definition: { type: info.activityType } },
        context: category(LMS_PROFILE),
        timestamp,
      };
    }
    default:
      return buildVideoParts(info, work);
  }
}

function buildVideoParts(info: RalphConverterInfo, work: Work): Parts | undefined {
  const payloadOk = payloadIsObject(work);
  const video = videoObject(work, payloadOk);
  // load, pause and stop always carry a length extension, which makes the session id mandatory.
  const hasLength = HAS_LENGTH.has(info.name);
  const session = readSession(work, hasLength);
  const extensions: Record<string, unknown> = {};
  if (session !== undefined) extensions[EXT_SESSION] = session;
  if (hasLength) extensions[EXT_LENGTH] = 0;
  if (info.name === 'UILoadVideoToVideoInitialized') {
    const agent = pyGet1(work.event, 'agent');
    if (!pyIsEmpty(agent)) {
      const text = ralphLaxStr(agent);
      if (text === undefined || !ralphIsText(text)) {
        issue(
          work,
          RALPH_ISSUE.invalid,
          '/agent',
          'The user agent is not text.',
          'string',
          jsonTypeOf(agent),
        );
      } else extensions[EXT_USER_AGENT] = text;
    }
  }
  let result: Record<string, unknown> | undefined;
  if (payloadOk) {
    if (info.name === 'UISeekVideoToVideoSeeked') {
      const from = readVideoTime(work, 'old_time');
      const to = readVideoTime(work, 'new_time');
      if (from !== undefined && to !== undefined) {
        result = { extensions: { [EXT_TIME_FROM]: from, [EXT_TIME_TO]: to } };
      }
    } else if (info.name !== 'UILoadVideoToVideoInitialized') {
      const time = readVideoTime(work, 'currentTime');
      if (time !== undefined) {
        const ext: Record<string, unknown> = { [EXT_TIME]: time };
        if (info.name === 'UIStopVideoToVideoTerminated') ext[EXT_PROGRESS] = 0;
        result = { extensions: ext };
      }
    }
  }
  const timestamp = readTimestamp(work, false);
  if (video === undefined || work.issues.length > 0) return undefined;
  const context = category(VIDEO_PROFILE);
  if (session !== undefined || hasLength || EXT_USER_AGENT in extensions) context.extensions = extensions;
  return {
    object: { id: video.id, definition: { name: { 'en-US': video.name }, type: info.activityType } },
    result,
    context,
    timestamp,
  };
}

/**
 * Creates a converter for one platform URL and UUID namespace. Throws a RangeError when the
 * namespace is not a UUID (Ralph refuses to start) or the platform URL is not an IRI (Ralph would
 * reject every statement; we fail once instead of on every event).
 */
export function createRalphConverter(options: RalphOptions): RalphConverter {
  const namespace = ralphParseNamespace(options.uuidNamespace);
  if (namespace === undefined) throw new RangeError('uuidNamespace is not a valid UUID');
  if (!isRalphIri(options.platformUrl)) throw new RangeError('platformUrl is not a valid IRI');
  const frozen = Object.freeze({ ...options });
  const base = pyStrip(options.platformUrl, '/', 'right');
  const iriBase = isRalphIriBase(base) ? base : undefined;
  const actorHomePage = options.platformUrl;

  return {
    options: frozen,
    convert(event: unknown, rawLine: string): RalphResult {
      const info = ralphSelectConverter(event);
      if (info === undefined) {
        return {
          status: 'unsupported',
          issues: [
            {
              code: RALPH_ISSUE.unsupported,
              message: 'Ralph has no xAPI conversion for this event_source and event_type.',
              pointer: '/event_type',
              expected: 'one of the RALPH_CONVERTERS selections',
            },
          ],
        };
      }
      const work: Work = { event, base, iriBase, issues: [] };
      const parts = buildParts(info, work);
      if (parts === undefined || work.issues.length > 0) {
        return { status: 'invalid', converter: info.name, issues: work.issues };
      }
      const userId = pyGet2(event, 'context', 'user_id');
      const name = pyTruthy(userId) ? pyStr(userId) : 'anonymous';
      if (!ralphIsText(name)) {
        issue(
          work,
          RALPH_ISSUE.invalid,
          '/context/user_id',
          'The actor name built from user_id is not text (a lone UTF-16 surrogate).',
          'Unicode text',
        );
        return { status: 'invalid', converter: info.name, issues: work.issues };
      }
      const statement: RalphStatement = {
        id: uuid5(namespace, rawLine),
        actor: {
          account: { homePage: actorHomePage, name },
          objectType: 'Agent',
        },
        verb: { id: info.verb },
        object: parts.object,
      };
      if (parts.result !== undefined) statement.result = parts.result;
      if (parts.context !== undefined) statement.context = parts.context;
      if (parts.timestamp !== undefined) statement.timestamp = parts.timestamp;
      statement.version = '1.0.0';
      return { status: 'converted', statement, converter: info.name, issues: [] };
    },
  };
}

let cached: { key: string; converter: RalphConverter } | undefined;

/** One-shot form of `createRalphConverter(options).convert(event, rawLine)` (reuses the last converter). */
export function convertRalph(event: unknown, rawLine: string, options: RalphOptions): RalphResult {
  const key = `${options.platformUrl}\u0000${options.uuidNamespace}`;
  if (cached?.key !== key) cached = { key, converter: createRalphConverter(options) };
  return cached.converter.convert(event, rawLine);
}

/**
 * Splits text into lines as Ralph reads stdin on Linux (Python's sys.stdin splits at "\n" only and
 * translates nothing): each line keeps its "\n" (a "\r\n" ending stays "\r\n"); a last line
 * without terminator stays without. These are the exact strings Ralph hashes into statement ids.
 */
export function ralphLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    if (end === -1) {
      lines.push(text.slice(start));
      break;
    }
    lines.push(text.slice(start, end + 1));
    start = end + 1;
  }
  return lines;
}

/** Parses and converts one line as Ralph does; unparsable JSON is `invalid` (Ralph skips it). */
export function ralphConvertLine(converter: RalphConverter, line: string): RalphResult {
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    return {
      status: 'invalid',
      issues: [
        { code: RALPH_ISSUE.json, message: 'The line is not valid JSON.', pointer: '', expected: 'JSON' },
      ],
    };
  }
  return converter.convert(event, line);
}
