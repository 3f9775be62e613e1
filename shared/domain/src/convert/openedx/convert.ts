// edX event -> xAPI statements, `openedx` profile: the mapping of Open edX
// event-routing-backends (ERB), with ERB's deterministic statement ids.
import { createHash } from 'node:crypto';
import type { EdxEvent } from '../../edx/types.js';
import type { Issue } from '../../issues.js';
import type { BuildContext, Json, StatementParts } from './converters.js';
import { compact, CourseStringCache, OPENEDX_CONVERTERS } from './converters.js';
import { EventReader, jsonKind, OpenedxConversionError } from './event-reader.js';
import type { OpenedxMappingEntry, OpenedxVerbKey } from './mapping.js';
import {
  OPENEDX_ACTIVITY_TYPES,
  OPENEDX_EVENT_MAPPING,
  OPENEDX_EXTENSIONS,
  OPENEDX_SERVER_PAGE_VIEW,
  OPENEDX_VERBS,
} from './mapping.js';
import { isPlainObject, pyIsoTimestamp, pyJsonDumps, pyJsonString, pyOr, pyTruthy } from './python.js';
import { openedxStatementId } from './uuid.js';

/** Who performed the event, as ERB finds it (`data.user_id`, `data.username`, then anywhere). */
export interface OpenedxUser {
  /** A numeric id (number, or a string of digits as found in the event). */
  userId?: number | string;
  username?: string;
}

export interface OpenedxOptions {
  /** ERB `LMS_ROOT_URL`, used verbatim (no trailing slash expected): actor homePage and object IRIs. */
  lmsRootUrl: string;
  /**
   * Actor account name for a user (ERB: the user's external id of type xapi). Undefined when
   * the user is unknown: the event then yields no statement.
   */
  actorId(user: OpenedxUser): string | undefined;
  /** Course display name for a course key; undefined when unknown (the name is then omitted). */
  courseName(courseId: string): string | undefined;
  /** Value of the transformer-version context extension. Default `lrstream/openedx-erb-10.0.0`. */
  transformerVersion?: string;
  /** ERB `XAPI_AGENT_IFI_TYPE`. Default `external_id` (account with actorId). */
  agentIfi?: 'external_id' | 'mbox' | 'mbox_sha1sum';
  /** User e-mail, needed for `mbox` and `mbox_sha1sum`. */
  userEmail?(user: OpenedxUser): string | undefined;
  /**
   * Treat tracking-log lines (`event`, `time`) as ERB's transform_tracking_logs command does:
   * `data` = `event` (JSON-decoded when it is a string), `timestamp` = `time`. Default true.
   * False reads them as ERB's unit tests do, which feed the raw line to the transformer.
   */
  normalizeTrackingLog?: boolean;
  /**
   * Reproduce ERB output that is not valid xAPI 1.0.3: `GroupActivity` object types, the bare
   * exam attempt code as activity id, `score.max` equal to `score.min`, objects without id.
   * Default false: those are corrected (or the event is refused when no object id exists).
   */
  erbQuirks?: boolean;
}

export type OpenedxStatus = 'converted' | 'unsupported' | 'skipped';

export type OpenedxStatement = Record<string, unknown>;

export interface OpenedxResult {
  /** Zero, one, or (multi-question problem_check) several statements. */
  statements: OpenedxStatement[];
  /** Why nothing was produced, or warnings when `status` is 'converted'. */
  issues: Issue[];
  /** converted: statements made; unsupported: no mapping for the event; skipped: mapped but refused. */
  status: OpenedxStatus;
}

export const OPENEDX_DEFAULT_TRANSFORMER_VERSION = 'lrstream/openedx-erb-10.0.0';
export const OPENEDX_XAPI_VERSION = '1.0.3';

// The frozen 66-member table is a slow-mode object in V8; a Map is the fast lookup by name.
const MAPPING = new Map<string, OpenedxMappingEntry>(Object.entries(OPENEDX_EVENT_MAPPING));

/**
 * False when JSON.parse would certainly fail: the first character after JSON white space cannot
 * start a JSON text. Spares the thrown SyntaxError (costly) for query-string payloads.
 */
function mayBeJson(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    // { [ " - 0-9 t f n
    return (
      c === 0x7b ||
      c === 0x5b ||
      c === 0x22 ||
      c === 0x2d ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x74 ||
      c === 0x66 ||
      c === 0x6e
    );
  }
  return false; // empty or only white space: JSON.parse throws
}

const own = (o: Record<string, unknown>, k: string): unknown =>
  Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;

/**
 * The shape ERB's async tracker delivers, from either input shape (see normalizeTrackingLog):
 * `name` defaults to event_type; when normalising, `data` is `event` (JSON-decoded when a string)
 * and `timestamp` defaults to `time`. Read through an overlay instead of a patched copy.
 * `decoded` is `event.event` already JSON-decoded by the caller (see convertOpenedxParsed).
 */
function prepareEvent(
  raw: Record<string, unknown>,
  normalize: boolean,
  decoded: { value: unknown } | undefined,
): EventReader {
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(raw, k);
  const eventType = own(raw, 'event_type');
  const name = own(raw, 'name') === undefined && typeof eventType === 'string' ? eventType : undefined;
  const hasData = normalize && has('event') && !has('data');
  let data: unknown;
  if (hasData) {
    data = raw.event;
    if (typeof data === 'string') {
      if (decoded !== undefined) data = decoded.value;
      else if (mayBeJson(data)) {
        try {
          data = JSON.parse(data);
        } catch {
          // Not JSON (e.g. a browser problem_check query string): kept as the string.
        }
      }
    }
  }
  const hasTimestamp = normalize && !has('timestamp') && has('time');
  if (name === undefined && !hasData && !hasTimestamp) return new EventReader(raw);
  return new EventReader(raw, {
    name,
    hasData,
    data,
    hasTimestamp,
    timestamp: hasTimestamp ? raw.time : undefined,
  });
}

/** Ralph's server page view rule: a server event named after the requested path. */
function isServerPageView(reader: EventReader, name: string): boolean {
  return (
    name.startsWith('/') &&
    reader.get('context.path') === name &&
    pyOr(reader.get('event_source'), reader.get('context.event_source')) === 'server'
  );
}

function userOf(reader: EventReader): OpenedxUser | undefined {
  // ERB prefers the user acted upon (data) over the user acting (context), and ids over names.
  let value = pyOr(reader.get('data.user_id'), reader.get('data.username'));
  if (!pyTruthy(value)) value = pyOr(reader.get('user_id'), reader.get('username'));
  if (!pyTruthy(value)) return undefined;
  if (typeof value === 'number') return { userId: value };
  if (typeof value === 'string')
    return /^\s*[+-]?\d+\s*$/.test(value) ? { userId: value } : { username: value };
  return undefined;
}

function fail(code: string, message: string, pointer: string, expected?: string, got?: string): never {
  throw new OpenedxConversionError(compact({ code, message, pointer, expected, got }) as unknown as Issue);
}

interface Actor {
  readonly statement: Json;
  /** Python json.dumps of the TinCan Agent, key order as TinCan emits it. */
  readonly json: string;
}

// The two context extensions of every statement, as literals with constant keys: V8 builds those
// from a template, several times faster than computed keys. Checked against the mapping below.
const transformerExtension = (version: string): Json => ({
  'https://w3id.org/xapi/openedx/extension/transformer-version': version,
});
const sessionExtensions = (version: string, session: unknown): Json => ({
  'https://w3id.org/xapi/openedx/extension/transformer-version': version,
  'https://w3id.org/xapi/openedx/extensions/session-id': session,
});
if (
  Object.keys(sessionExtensions('', '')).join() !==
  [OPENEDX_EXTENSIONS.transformerVersion, OPENEDX_EXTENSIONS.sessionId].join()
) {
  throw new Error('openedx: context extension keys out of step with OPENEDX_EXTENSIONS');
}

let lastRoot: string | undefined;
let lastRootJson = '';
function homePageJson(root: string): string {
  if (root !== lastRoot) {
    lastRootJson = pyJsonString(root, true);
    lastRoot = root;
  }
  return lastRootJson;
}

const courseIris = new CourseStringCache();
function courseIri(root: string, courseId: string): string {
  return courseIris.get(root, courseId) ?? courseIris.set(root, courseId, `${root}/course/${courseId}`);
}

/** Python json.dumps of each verb (fixed per verb key; part of every statement id). */
const verbJsonCache = new Map<OpenedxVerbKey, string>();
function verbJsonOf(key: OpenedxVerbKey): string {
  let json = verbJsonCache.get(key);
  if (json === undefined) {
    json = pyJsonDumps({ id: OPENEDX_VERBS[key], display: { en: key } });
    verbJsonCache.set(key, json);
  }
  return json;
}

function buildActor(reader: EventReader, options: OpenedxOptions): Actor {
  const user = userOf(reader);
  if (user === undefined) {
    fail(
      'OPENEDX_ACTOR_MISSING',
      'The event names no user (anonymous event).',
      '/context/user_id',
      'user id',
    );
  }
  const ifi = options.agentIfi ?? 'external_id';
  if (ifi === 'external_id') {
    const name = options.actorId(user);
    if (typeof name !== 'string' || name === '') {
      fail('OPENEDX_ACTOR_UNRESOLVED', 'The user has no actor id.', '/context/user_id', 'known user');
    }
    const account = { name, homePage: options.lmsRootUrl };
    const statement = { objectType: 'Agent', account };
    // pyJsonDumps(statement), spelled out: this runs for every event.
    const json = `{"objectType": "Agent", "account": {"name": ${pyJsonString(name, true)}, "homePage": ${homePageJson(options.lmsRootUrl)}}}`;
    return { statement, json };
  }
  const email = options.userEmail?.(user);
  if (typeof email !== 'string' || email === '') {
    fail('OPENEDX_ACTOR_UNRESOLVED', 'The user has no e-mail address.', '/context/user_id', 'known user');
  }
  // ERB hashes the bare address (not the mailto IRI); kept so ids match.
  const statement =
    ifi === 'mbox'
      ? { objectType: 'Agent', mbox: email.startsWith('mailto:') ? email : `mailto:${email}` }
      : { objectType: 'Agent', mbox_sha1sum: createHash('sha1').update(email, 'utf8').digest('hex') };
  return { statement, json: pyJsonDumps(statement) };
}

function timestampOf(reader: EventReader): { raw: string; iso: string } {
  const raw = pyOr(reader.get('timestamp'), reader.get('time'));
  if (raw === undefined) {
    fail('OPENEDX_TIMESTAMP_MISSING', 'The event has no timestamp.', '/timestamp', 'ISO 8601 string');
  }
  if (typeof raw !== 'string') {
    fail(
      'OPENEDX_TIMESTAMP_INVALID',
      'The event timestamp is not a string.',
      '/timestamp',
      'string',
      jsonKind(raw),
    );
  }
  const iso = pyIsoTimestamp(raw);
  if (iso === undefined) {
    fail(
      'OPENEDX_TIMESTAMP_INVALID',
      'The event timestamp is not an ISO 8601 date-time with a time zone.',
      '/timestamp',
      'ISO 8601 date-time with offset',
      'other string',
    );
  }
  return { raw, iso };
}

function buildStatements(
  name: string,
  entry: OpenedxMappingEntry,
  reader: EventReader,
  options: OpenedxOptions,
  warnings: Issue[],
): OpenedxStatement[] {
  const erbQuirks = options.erbQuirks ?? false;
  let warned: Set<string> | undefined;
  const ctx: BuildContext = {
    reader,
    name,
    entry,
    lmsRootUrl: options.lmsRootUrl,
    erbQuirks,
    courseName(courseId) {
      const display = options.courseName(courseId);
      if (display === undefined && !(warned ??= new Set()).has(courseId)) {
        warned.add(courseId);
        warnings.push({
          code: 'OPENEDX_COURSE_UNKNOWN',
          message: 'The course has no known display name; the course activity has no name.',
          pointer: '/context/course_id',
        });
      }
      return display;
    },
    warn: (issue) => warnings.push(issue),
  };

  // Statements are built member by member (no compact() copies) in the key order TinCan emits,
  // which is the order the CLI prints; absent members are simply not set.
  const fromBrowser = pyOr(reader.get('event_source'), reader.get('context.event_source')) === 'browser';
  const verbKey = fromBrowser && entry.browserVerb ? entry.browserVerb : entry.verb;
  const verbId = OPENEDX_VERBS[verbKey];
  const verbJson = verbJsonOf(verbKey);
  const actor = buildActor(reader, options);
  const timestamp = timestampOf(reader);

  const courseId = reader.get('context.course_id');
  let courseParent: Json | undefined;
  if (courseId !== undefined) {
    const display = ctx.courseName(String(courseId));
    courseParent = {
      id: courseIri(options.lmsRootUrl, String(courseId)),
      objectType: 'Activity',
      definition:
        display === undefined
          ? { type: OPENEDX_ACTIVITY_TYPES.course }
          : { name: { 'en-US': display }, type: OPENEDX_ACTIVITY_TYPES.course },
    };
  }

  const parts: StatementParts = OPENEDX_CONVERTERS[entry.converter](ctx);
  if (!erbQuirks && parts.object.id === undefined) {
    fail('OPENEDX_OBJECT_ID_MISSING', 'No object id can be derived from the event.', '', 'an object id');
  }

  // Whole object literals where the members are known (adding members one by one to an object
  // costs V8 a shape change each time), one variant per optional member.
  const version = options.transformerVersion ?? OPENEDX_DEFAULT_TRANSFORMER_VERSION;
  const session = reader.get('session');
  const baseExtensions = (): Json =>
    session === undefined ? transformerExtension(version) : sessionExtensions(version, session);

  const extra = parts.contextExtensions;
  const extensions = extra === undefined ? baseExtensions() : { ...baseExtensions(), ...compact(extra) };
  const withParent = parts.courseParent !== false && courseParent !== undefined;
  const grouping = parts.grouping;
  const withGrouping = grouping !== undefined && grouping !== null;
  const context: Json =
    withParent || withGrouping
      ? {
          contextActivities: withParent
            ? withGrouping
              ? { parent: [courseParent], grouping }
              : { parent: [courseParent] }
            : { grouping },
          extensions,
        }
      : { extensions };

  const id = openedxStatementId(verbJson, actor.json, timestamp.raw);
  const verb = { id: verbId, display: { en: verbKey } };
  const parent: OpenedxStatement =
    parts.result === undefined
      ? {
          id,
          actor: actor.statement,
          verb,
          object: parts.object,
          context,
          timestamp: timestamp.iso,
          version: OPENEDX_XAPI_VERSION,
        }
      : {
          id,
          actor: actor.statement,
          verb,
          object: parts.object,
          result: parts.result,
          context,
          timestamp: timestamp.iso,
          version: OPENEDX_XAPI_VERSION,
        };
  if (parts.children === undefined || parts.children.length === 0) return [parent];

  const statements = [parent];
  const childExtensions = baseExtensions();
  for (const child of parts.children) {
    if (!erbQuirks && child.object.id === undefined) {
      fail('OPENEDX_OBJECT_ID_MISSING', 'No object id can be derived for a question.', '', 'an object id');
    }
    const childContext = {
      contextActivities:
        courseParent === undefined
          ? { parent: [parts.object] }
          : { parent: [parts.object], grouping: [courseParent] },
      extensions: childExtensions,
      statement: { id, objectType: 'StatementRef' },
    };
    const childId = openedxStatementId(verbJson, actor.json, timestamp.raw, child.childId);
    const childVerb = { id: verbId, display: { en: verbKey } };
    statements.push(
      child.result === undefined
        ? {
            id: childId,
            actor: actor.statement,
            verb: childVerb,
            object: child.object,
            context: childContext,
            timestamp: timestamp.iso,
            version: OPENEDX_XAPI_VERSION,
          }
        : {
            id: childId,
            actor: actor.statement,
            verb: childVerb,
            object: child.object,
            result: child.result,
            context: childContext,
            timestamp: timestamp.iso,
            version: OPENEDX_XAPI_VERSION,
          },
    );
  }
  return statements;
}

/**
 * Converts one raw edX event (async `name/timestamp/data` or tracking-log
 * `event_type/time/event` shape) to xAPI statements. Never throws: problems come back as issues.
 */
export function convertOpenedx(event: unknown, options: OpenedxOptions): OpenedxResult {
  return convertPrepared(event, options, undefined);
}

/**
 * `convertOpenedx(parsed.original, options)` for an event from `parseEdxLine`/`parseEdxObject`,
 * reusing the payload the parser has already JSON-decoded instead of decoding it again. Same
 * output. The statements may share values with `parsed.payload` (neither is modified).
 */
export function convertOpenedxParsed(parsed: EdxEvent, options: OpenedxOptions): OpenedxResult {
  // Only when the converter would decode exactly the string the parser decoded: tracking-log
  // input (record is the original object) whose `event` is a JSON text.
  const reuse =
    parsed.shape === 'tracking' &&
    parsed.payloadEncoding === 'json-string' &&
    typeof parsed.original.event === 'string';
  return convertPrepared(parsed.original, options, reuse ? { value: parsed.payload } : undefined);
}

function convertPrepared(
  event: unknown,
  options: OpenedxOptions,
  decoded: { value: unknown } | undefined,
): OpenedxResult {
  if (!isPlainObject(event)) {
    return {
      statements: [],
      status: 'skipped',
      issues: [
        {
          code: 'OPENEDX_EVENT_NOT_OBJECT',
          message: 'The event is not a JSON object.',
          pointer: '',
          expected: 'object',
          got: jsonKind(event),
        },
      ],
    };
  }
  const reader = prepareEvent(event, options.normalizeTrackingLog ?? true, decoded);
  const name = reader.top('name');
  if (typeof name !== 'string' || name === '') {
    return {
      statements: [],
      status: 'skipped',
      issues: [
        {
          code: 'OPENEDX_EVENT_NAME_MISSING',
          message: 'The event has no name (neither `name` nor `event_type`).',
          pointer: '/name',
          expected: 'non-empty string',
          got: name === undefined ? 'absent' : jsonKind(name),
        },
      ],
    };
  }
  const entry = MAPPING.has(name)
    ? MAPPING.get(name)
    : isServerPageView(reader, name)
      ? OPENEDX_SERVER_PAGE_VIEW
      : undefined;
  if (entry === undefined) {
    return {
      statements: [],
      status: 'unsupported',
      issues: [
        {
          code: 'OPENEDX_EVENT_UNSUPPORTED',
          message: 'The openedx profile has no mapping for this event name.',
          pointer: '/name',
        },
      ],
    };
  }
  const warnings: Issue[] = [];
  try {
    const statements = buildStatements(name, entry, reader, options, warnings);
    return { statements, issues: warnings, status: 'converted' };
  } catch (error) {
    if (error instanceof OpenedxConversionError) {
      return { statements: [], issues: [...warnings, error.issue], status: 'skipped' };
    }
    // A payload shape no rule anticipated; reported, never thrown.
    return {
      statements: [],
      status: 'skipped',
      issues: [
        ...warnings,
        {
          code: 'OPENEDX_INTERNAL',
          message: `Conversion failed unexpectedly: ${error instanceof Error ? error.name : 'error'}.`,
          pointer: '',
        },
      ],
    };
  }
}
