// Per-family builders for the statement parts that differ between events (object, result,
// extra context). The common parts (id, actor, verb, course context, timestamp) are built in
// convert.ts. Each builder mirrors one ERB transformer class; where ERB would raise, the builder
// throws an OpenedxConversionError so the event yields an issue instead of a statement.
import type { Issue } from '../../issues.js';
import { toPointer } from '../../issues.js';
import type { EventReader } from './event-reader.js';
import { OpenedxConversionError, typeError } from './event-reader.js';
import type { OpenedxConverterKey, OpenedxMappingEntry } from './mapping.js';
import { OPENEDX_ACTIVITY_TYPES as TYPES, OPENEDX_EXTENSIONS as EXT } from './mapping.js';
import {
  isPlainObject,
  pyDurationIso,
  pyFloat,
  pyJsonDumps,
  pyOr,
  pyStr,
  pyTruthy,
  secondsToFloat,
} from './python.js';

export type Json = Record<string, unknown>;

/** What a builder needs: the event, its mapping and the resolved options. */
export interface BuildContext {
  readonly reader: EventReader;
  readonly name: string;
  readonly entry: OpenedxMappingEntry;
  readonly lmsRootUrl: string;
  /** Reproduce ERB output that is not valid xAPI 1.0.3 (see OpenedxOptions.erbQuirks). */
  readonly erbQuirks: boolean;
  /** Course display name, or undefined (a warning is recorded once). */
  courseName(courseId: string): string | undefined;
  /** Records a non-fatal problem. */
  warn(issue: Issue): void;
}

export interface ChildParts {
  readonly childId: string;
  readonly object: Json;
  readonly result?: Json;
}

export interface StatementParts {
  readonly object: Json;
  readonly result?: Json;
  /** Merged into the common context extensions. */
  readonly contextExtensions?: Json;
  /** false: no contextActivities at all (ERB enrollment events). */
  readonly courseParent?: boolean;
  readonly grouping?: Json[];
  /** Objects of the statement's own parent (problem_check multi-question parent). */
  readonly children?: ChildParts[];
}

// ---------------------------------------------------------------- small builders

/**
 * Drops null/undefined members, as TinCan's serializer does (empty objects stay). Returns the
 * argument itself when it has none to drop (every caller passes a fresh literal it does not keep):
 * copying member by member into `{}` is several times slower in V8 than the literal.
 */
export function compact(record: Json): Json {
  let clean = true;
  for (const k in record) {
    const v = record[k];
    if (v === null || v === undefined) {
      clean = false;
      break;
    }
  }
  if (clean) return record;
  const out: Json = {};
  // for-in visits own keys in the same order as Object.entries without building pair arrays.
  for (const k in record) {
    if (!Object.prototype.hasOwnProperty.call(record, k)) continue;
    const v = record[k];
    if (v !== null && v !== undefined) out[k] = v;
  }
  return out;
}

function activity(id: string | undefined, definition: Json, objectType = 'Activity'): Json {
  const compacted = compact(definition);
  return id === undefined || id === null
    ? { objectType, definition: compacted }
    : { id, objectType, definition: compacted };
}

/** ERB `get_object_iri`: `<root>/<type>/<id>`, undefined when the id is. */
function objectIri(ctx: BuildContext, type: string, id: unknown): string | undefined {
  if (id === undefined || id === null) return undefined;
  return `${ctx.lmsRootUrl}/${type}/${pyStr(id)}`;
}

/** LanguageMap with one entry; TinCan only accepts strings, so anything else omits the map. */
function langMap(lang: string, value: unknown): Json | undefined {
  return typeof value === 'string' ? { [lang]: value } : undefined;
}

function numberOf(key: string, value: unknown): number {
  const f = pyFloat(value);
  if (f === undefined) throw typeError(key, 'number', value);
  return f;
}

function seconds(ctx: BuildContext, key: string): number | null {
  const value = ctx.reader.get(key);
  const f = secondsToFloat(value);
  if (f === undefined) throw typeError(key, 'number of seconds', value);
  return f;
}

/** TinCan Score: floats, absent members dropped; min < max enforced unless erbQuirks. */
function score(ctx: BuildContext, parts: { min: number; max?: number; raw?: number; scaled?: number }): Json {
  const out = compact({ min: parts.min, max: parts.max, raw: parts.raw, scaled: parts.scaled });
  // xAPI 1.0.3 requires max > min; ERB emits max = min = 0 for ungraded problems.
  if (!ctx.erbQuirks && typeof out.max === 'number' && out.max <= parts.min) delete out.max;
  return out;
}

/** `block-v1` / `ccx-block-v1` prefix derived from the course key, as ERB does. */
function blockVersion(courseId: string): string {
  const head = courseId.split(':')[0] ?? '';
  const version = `block-${head.split('-').at(-1) ?? ''}`;
  return head.includes('ccx') ? `ccx-${version}` : version;
}

function courseKeyBody(courseId: string, key: string): string {
  const body = courseId.split(':')[1];
  if (body === undefined) {
    throw new OpenedxConversionError({
      code: 'OPENEDX_FIELD_FORMAT',
      message: `Field "${key}" is not a course key of the form "<type>:<org+course+run>".`,
      pointer: toPointer(key.split('.')),
      expected: 'course key with a colon',
      got: 'string without colon',
    });
  }
  return body;
}

/**
 * Strings derived from (LMS root, course key) only, such as IRI prefixes: made once and shared by
 * all statements of the course instead of a new rope of string pieces in every statement.
 * Bounded: emptied when it grows past `limit` entries.
 */
export class CourseStringCache {
  private root: string | undefined;
  private readonly byCourse = new Map<string, string>();
  constructor(private readonly limit = 4096) {}

  get(root: string, courseId: string): string | undefined {
    return root === this.root ? this.byCourse.get(courseId) : undefined;
  }

  set(root: string, courseId: string, value: string): string {
    if (root !== this.root || this.byCourse.size >= this.limit) {
      this.byCourse.clear();
      this.root = root;
    }
    this.byCourse.set(courseId, value);
    return value;
  }
}

const videoPrefixes = new CourseStringCache();

function courseObject(ctx: BuildContext, withMode: boolean): Json {
  const courseId = ctx.reader.string('context.course_id', true) as string;
  const name = ctx.courseName(courseId);
  return activity(objectIri(ctx, 'course', courseId), {
    type: TYPES.course,
    name: langMap('en', name),
    extensions: withMode ? compact({ [EXT.mode]: ctx.reader.get('data.mode') }) : undefined,
  });
}

function requireObject(ctx: BuildContext, key: string): Json {
  const value = ctx.reader.get(key);
  if (!isPlainObject(value)) {
    if (value === undefined) ctx.reader.require(key);
    throw typeError(key, 'object', value);
  }
  return value;
}

/** `event_data[key]` in ERB: a KeyError when the member is absent. */
function member(data: Json, dataKey: string, key: string): unknown {
  if (!Object.prototype.hasOwnProperty.call(data, key)) {
    throw new OpenedxConversionError({
      code: 'OPENEDX_FIELD_MISSING',
      message: `Required field "${dataKey}.${key}" is missing.`,
      pointer: toPointer([dataKey, key]),
      expected: 'present',
      got: 'absent',
    });
  }
  return data[key];
}

// ---------------------------------------------------------------- enrollment and grades

function enrollmentToCourse(ctx: BuildContext): StatementParts {
  return { object: courseObject(ctx, true), courseParent: false };
}

function courseGradeToEarned(ctx: BuildContext): StatementParts {
  const object = courseObject(ctx, false);
  const data = requireObject(ctx, 'data');
  const earned = numberOf('data.percent_grade', pyOr(member(data, 'data', 'percent_grade'), 0));
  const letter = pyOr(ctx.reader.get('data.letter_grade'), 'Fail');
  return {
    object,
    result: {
      score: score(ctx, { min: 0, max: 1, raw: earned, scaled: earned }),
      extensions: { [EXT.gradeClassification]: letter },
    },
  };
}

function weightedResult(ctx: BuildContext, possibleKey: string, earnedKey: string): Json {
  const data = requireObject(ctx, 'data');
  const possible = numberOf(`data.${possibleKey}`, pyOr(member(data, 'data', possibleKey), 0));
  const earned = numberOf(`data.${earnedKey}`, pyOr(member(data, 'data', earnedKey), 0));
  const scaled = possible > 0 ? earned / possible : 0;
  return {
    success: earned >= possible,
    score: score(ctx, { min: 0, max: possible, raw: earned, scaled }),
  };
}

function subsectionGradeToEarned(ctx: BuildContext): StatementParts {
  const blockId = ctx.reader.require('data.block_id');
  return {
    object: activity(objectIri(ctx, 'xblock', blockId), { type: TYPES.resource }),
    result: weightedResult(ctx, 'weighted_total_possible', 'weighted_total_earned'),
  };
}

function completionToProgressed(ctx: BuildContext): StatementParts {
  const completion = ctx.reader.get('data.completion');
  if (typeof completion !== 'number' && typeof completion !== 'boolean') {
    if (completion === undefined) ctx.reader.require('data.completion');
    throw typeError('data.completion', 'number', completion);
  }
  const value = Number(completion);
  return {
    object: activity(objectIri(ctx, 'xblock', ctx.reader.get('data.block_id')), { type: TYPES.resource }),
    result: { completion: value === 1, extensions: { [EXT.progress]: value * 100 } },
  };
}

// ---------------------------------------------------------------- problems

/** ERB BaseProblemsTransformer.get_object_id. */
function problemObjectId(ctx: BuildContext): unknown {
  const r = ctx.reader;
  if (isPlainObject(r.get('data'))) {
    const problemId = r.get('data.problem_id');
    return pyTruthy(problemId) ? problemId : r.require('data.module_id');
  }
  return r.get('usage_key');
}

function problemSubmittedToAttempted(ctx: BuildContext): StatementParts {
  return {
    object: activity(objectIri(ctx, 'xblock', problemObjectId(ctx)), { type: TYPES[ctx.entry.activity] }),
    result: weightedResult(ctx, 'weighted_possible', 'weighted_earned'),
  };
}

/** showanswer, hint displayed, problem completed. */
function problemEventToActivity(ctx: BuildContext): StatementParts {
  const r = ctx.reader;
  let id = problemObjectId(ctx);
  if (ctx.name === 'showanswer') {
    id = `${objectIri(ctx, 'xblock', r.require('problem_id'))}/answer`;
  } else if (ctx.name === 'edx.problem.hint.demandhint_displayed') {
    const hintIndex = pyStr(r.require('hint_index'));
    id = `${objectIri(ctx, 'xblock', r.require('module_id'))}/hint/${hintIndex}`;
  }
  return { object: activity(id === undefined ? undefined : pyStr(id), { type: TYPES[ctx.entry.activity] }) };
}

/** Open edX response types -> xAPI interaction types (ERB INTERACTION_TYPES_MAP). */
export const OPENEDX_INTERACTION_TYPES: Readonly<Record<string, string>> = Object.freeze({
  choiceresponse: 'choice',
  multiplechoiceresponse: 'choice',
  numericalresponse: 'numeric',
  stringresponse: 'fill-in',
  customresponse: 'other',
  coderesponse: 'other',
  externalresponse: 'other',
  formularesponse: 'fill-in',
  schematicresponse: 'other',
  imageresponse: 'matching',
  annotationresponse: 'fill-in',
  choicetextresponse: 'choice',
  optionresponse: 'choice',
  symbolicresponse: 'fill-in',
  truefalseresponse: 'true-false',
  non_existent: 'other',
});

function interactionType(responseType: unknown): string {
  if (
    typeof responseType === 'string' &&
    Object.prototype.hasOwnProperty.call(OPENEDX_INTERACTION_TYPES, responseType)
  ) {
    return OPENEDX_INTERACTION_TYPES[responseType] as string;
  }
  return 'other';
}

/** First submission that names a response type (ERB `_get_submission` of the parent). */
function firstSubmission(submissions: unknown): Json | undefined {
  if (!isPlainObject(submissions)) return undefined;
  for (const sub of Object.values(submissions)) {
    if (isPlainObject(sub) && pyTruthy(sub.response_type)) return sub;
  }
  return undefined;
}

function problemCheckDefinition(ctx: BuildContext, submission: Json | undefined, subPointer: string): Json {
  const r = ctx.reader;
  const attempts = r.get('data.attempts');
  let interaction = interactionType(r.get('response_type'));
  const displayName = r.get('display_name');
  let name: Json | undefined;
  let description: Json | undefined;
  if (submission !== undefined && pyTruthy(submission)) {
    interaction = interactionType(submission.response_type);
    if (typeof submission.question !== 'string') {
      throw new OpenedxConversionError({
        code: submission.question === undefined ? 'OPENEDX_FIELD_MISSING' : 'OPENEDX_FIELD_TYPE',
        message: 'A problem submission has no question text.',
        pointer: `${subPointer}/question`,
        expected: 'string',
        got: submission.question === undefined ? 'absent' : typeof submission.question,
      });
    }
    description = { 'en-US': submission.question };
  } else if (displayName !== undefined) {
    name = langMap('en-US', displayName);
  }
  return compact({
    type: TYPES[ctx.entry.activity],
    name,
    description,
    interactionType: interaction,
    extensions: pyTruthy(attempts) ? { [EXT.attemptId]: attempts } : undefined,
  });
}

/** `Result.response`: lists as Python JSON text (ERB JSONEncodedResult), the rest via str(). */
function responseText(response: unknown): string | undefined {
  if (response === undefined || response === null) return undefined;
  return Array.isArray(response) ? pyJsonDumps(response, false) : pyStr(response);
}

function problemCheckResult(ctx: BuildContext, submission: Json | undefined, subPointer: string): Json {
  const r = ctx.reader;
  const data = r.get('data');
  const eventData = isPlainObject(data) ? data : {};
  let response: unknown;
  let correct: unknown;
  if (submission !== undefined && pyTruthy(submission)) {
    if (!Object.prototype.hasOwnProperty.call(submission, 'answer')) {
      throw new OpenedxConversionError({
        code: 'OPENEDX_FIELD_MISSING',
        message: 'A problem submission has no answer.',
        pointer: `${subPointer}/answer`,
        expected: 'present',
        got: 'absent',
      });
    }
    response = submission.answer;
    correct = submission.correct;
  } else {
    response = eventData.answers;
    correct = r.get('success') === 'correct';
  }
  const maxRaw = r.get('max_grade');
  const gradeRaw = r.get('grade');
  const max = maxRaw === undefined ? undefined : numberOf('max_grade', maxRaw);
  const raw = gradeRaw === undefined ? undefined : numberOf('grade', gradeRaw);
  let scaled: number | undefined;
  if (max !== undefined && raw !== undefined) scaled = max > 0 ? raw / max : 0;
  return compact({
    success: correct === undefined || correct === null ? undefined : pyTruthy(correct),
    score: score(ctx, { min: 0, max, raw, scaled }),
    response: responseText(response),
  });
}

/** ERB get_problem_block_id: `activate_block_id` of the referer, else the input name in data. */
function problemBlockIdFromBrowser(referer: unknown, data: unknown, courseId: unknown): string | undefined {
  if (typeof referer === 'string') {
    const q = referer.indexOf('?');
    if (q >= 0) {
      const hash = referer.indexOf('#', q);
      const query = referer.slice(q + 1, hash >= 0 ? hash : undefined);
      try {
        const blockId = new URLSearchParams(query).get('activate_block_id');
        if (blockId) return blockId;
      } catch {
        // A malformed query string has no usable block id; fall through to the data.
      }
    }
  }
  if (typeof data === 'string' && typeof courseId === 'string') {
    const dataParts = data.split('_');
    const courseParts = courseId.split(':');
    if (dataParts.length > 1 && courseParts.length > 1) {
      return `${blockVersion(courseId)}:${courseParts[1]}+type@problem+block@${dataParts[1]}`;
    }
  }
  return undefined;
}

function problemCheckObjectId(ctx: BuildContext, baseId: unknown): string | undefined {
  const r = ctx.reader;
  const source = pyOr(r.get('context.event_source'), r.get('event_source'));
  // ERB reads the referer even for server events, and fails when there is none.
  const found = r.get('referer');
  const referer = pyTruthy(found) ? found : r.require('context.referer');
  if (source === 'browser') {
    return objectIri(
      ctx,
      'xblock',
      problemBlockIdFromBrowser(referer, r.get('data'), r.get('context.course_id')),
    );
  }
  return pyTruthy(baseId) ? objectIri(ctx, 'xblock', baseId) : undefined;
}

/**
 * problem_check: one statement, or for a multi-question problem a parent (the problem, a
 * GroupActivity in ERB) plus one child statement per submitted question.
 */
function problemCheckToEvaluated(ctx: BuildContext): StatementParts {
  const r = ctx.reader;
  const fromBrowser = pyOr(r.get('event_source'), r.get('context.event_source')) === 'browser';
  const submissions = r.get('submission');
  const childIds =
    isPlainObject(submissions) && Object.keys(submissions).length > 1 ? Object.keys(submissions) : [];
  const parentSubmission = firstSubmission(r.get('data.submission'));
  const parentSubPointer = '/data/submission';

  const baseId = problemObjectId(ctx);
  const objectId = problemCheckObjectId(ctx, baseId);
  const definition = problemCheckDefinition(ctx, parentSubmission, parentSubPointer);
  const isGroup = childIds.length > 0;
  if (isGroup) definition.interactionType = 'other';
  // ERB marks the parent "GroupActivity", which xAPI 1.0.3 does not allow.
  const object = activity(objectId, definition, isGroup && ctx.erbQuirks ? 'GroupActivity' : 'Activity');
  const result = fromBrowser ? undefined : problemCheckResult(ctx, parentSubmission, parentSubPointer);

  const children = childIds.map((childId): ChildParts => {
    const sub = (submissions as Json)[childId];
    const subPointer = toPointer(['submission', childId]);
    if (!isPlainObject(sub)) throw typeError(`submission.${childId}`, 'object', sub);
    const parentId = pyOr(problemObjectId(ctx), '');
    const childBase = [...pyStr(parentId).split('@').slice(0, -1), childId].join('@');
    const childObject = activity(
      problemCheckObjectId(ctx, childBase),
      problemCheckDefinition(ctx, sub, subPointer),
    );
    // Children carry the answer and correctness only; the score belongs to the parent.
    const childResult = fromBrowser
      ? undefined
      : compact({
          ...problemCheckResult(ctx, sub, subPointer),
          score: undefined,
          response: responseText(sub.answer),
        });
    return { childId, object: childObject, result: childResult };
  });
  return { object, result, children };
}

// ---------------------------------------------------------------- forum

function forumToDiscussion(ctx: BuildContext): StatementParts {
  const r = ctx.reader;
  const objectId = r.string('data.id', true) as string;
  const path = r.string('context.path', true) as string;
  const objectPath = path.replace(/\/+$/, '').split(objectId).join('').replace(/\/+$/, '');
  const object = activity(`${ctx.lmsRootUrl}${objectPath}/${objectId}`, {
    type: TYPES.discussion,
    name: langMap('en', r.get('data.title')),
  });
  const discussion = r.get('data.discussion.id');
  const grouping =
    discussion === undefined
      ? undefined
      : [
          activity(`${ctx.lmsRootUrl}/api/discussion/v1/threads/${pyStr(discussion)}`, {
            type: TYPES.discussion,
          }),
        ];
  let contextExtensions: Json | undefined;
  if (ctx.name === 'edx.forum.thread.created') contextExtensions = { [EXT.mode]: r.get('thread_type') };
  else if (ctx.entry.verb === 'voted') contextExtensions = { [EXT.mode]: r.get('vote_value') };
  return { object, grouping, contextExtensions };
}

// ---------------------------------------------------------------- navigation

function linkClickedToNavigated(ctx: BuildContext): StatementParts {
  return { object: activity(ctx.reader.string('data.target_url', true), { type: TYPES.link }) };
}

function outlineSelectedToNavigated(ctx: BuildContext): StatementParts {
  const r = ctx.reader;
  return {
    object: activity(r.string('data.target_url'), {
      type: TYPES.module,
      name: langMap('en', r.get('data.target_name')),
    }),
  };
}

function sequenceTabToNavigated(ctx: BuildContext): StatementParts {
  const r = ctx.reader;
  const ending =
    ctx.name === 'edx.ui.lms.sequence.tab_selected'
      ? r.get('data.target_tab')
      : ctx.name === 'edx.ui.lms.sequence.next_selected'
        ? 'next unit'
        : 'previous unit';
  return {
    object: activity(objectIri(ctx, 'xblock', r.get('data.id')), {
      type: TYPES.resource,
      extensions: compact({ [EXT.totalItems]: r.get('data.tab_count') }),
    }),
    contextExtensions: { [EXT.startingPosition]: r.get('data.current_tab'), [EXT.endingPosition]: ending },
  };
}

// ---------------------------------------------------------------- video

type VideoResultKind = 'none' | 'time' | 'captions' | 'completed' | 'seek' | 'speed';

/** Which result each video event carries (ERB video transformer classes). */
const VIDEO_RESULT: Readonly<Record<string, VideoResultKind>> = {
  load_video: 'none',
  'edx.video.loaded': 'none',
  play_video: 'time',
  'edx.video.played': 'time',
  pause_video: 'time',
  'edx.video.paused': 'time',
  stop_video: 'time',
  'edx.video.stopped': 'time',
  complete_video: 'completed',
  'edx.video.completed': 'completed',
  seek_video: 'seek',
  'edx.video.position.changed': 'seek',
  speed_change_video: 'speed',
  hide_transcript: 'captions',
  'edx.video.transcript.hidden': 'captions',
  video_hide_cc_menu: 'captions',
  'edx.video.closed_captions.hidden': 'captions',
  show_transcript: 'captions',
  'edx.video.transcript.shown': 'captions',
  video_show_cc_menu: 'captions',
  'edx.video.closed_captions.shown': 'captions',
};

const CAPTIONS_SHOWN = new Set([
  'edx.video.closed_captions.shown',
  'edx.video.transcript.shown',
  'video_show_cc_menu',
  'show_transcript',
]);

function speed(ctx: BuildContext, key: string): string {
  const value = ctx.reader.require(key);
  if (typeof value === 'string') return `${value}x`;
  if (typeof value === 'number') return `${pyStr(value)}x`;
  throw typeError(key, 'string', value);
}

const videoTimeExtension = (time: number): Json => ({
  'https://w3id.org/xapi/video/extensions/time': time,
});
if (Object.keys(videoTimeExtension(0))[0] !== EXT.videoTime) throw new Error('openedx: video time key');

function videoResult(ctx: BuildContext): Json | undefined {
  const r = ctx.reader;
  const currentTime = (): number | null => {
    const value = pyOr(r.get('data.current_time'), r.get('data.currentTime'));
    const f = secondsToFloat(value);
    if (f === undefined) throw typeError('data.current_time', 'number of seconds', value);
    return f;
  };
  switch (VIDEO_RESULT[ctx.name] ?? 'none') {
    case 'none':
      return undefined;
    case 'time': {
      // The most frequent result: a literal with a constant key (see videoTimeExtension).
      const time = currentTime();
      return { extensions: time === null ? {} : videoTimeExtension(time) };
    }
    case 'captions':
      return {
        extensions: compact({
          [EXT.videoTime]: currentTime(),
          [EXT.ccEnabled]: CAPTIONS_SHOWN.has(ctx.name),
        }),
      };
    case 'completed': {
      const duration = seconds(ctx, 'data.duration');
      return compact({
        extensions: compact({ [EXT.videoTime]: duration }),
        completion: true,
        duration: duration === null ? undefined : pyDurationIso(duration),
      });
    }
    case 'seek':
      return {
        extensions: compact({
          [EXT.videoTimeFrom]: seconds(ctx, 'data.old_time'),
          [EXT.videoTimeTo]: seconds(ctx, 'data.new_time'),
        }),
      };
    case 'speed':
      return {
        extensions: {
          [EXT.speedFrom]: speed(ctx, 'data.old_speed'),
          [EXT.speedTo]: speed(ctx, 'data.new_speed'),
        },
      };
  }
}

function videoToVideoActivity(ctx: BuildContext): StatementParts {
  const r = ctx.reader;
  const courseId = r.string('context.course_id', true) as string;
  const videoId = r.string('data.id', true) as string;
  let prefix = videoPrefixes.get(ctx.lmsRootUrl, courseId);
  if (prefix === undefined) {
    const body = courseKeyBody(courseId, 'context.course_id');
    prefix = videoPrefixes.set(
      ctx.lmsRootUrl,
      courseId,
      `${ctx.lmsRootUrl}/xblock/${blockVersion(courseId)}:${body}+type@video+block@`,
    );
  }
  return {
    object: activity(prefix + videoId, { type: TYPES.video }),
    contextExtensions: { [EXT.videoLength]: seconds(ctx, 'data.duration') },
    result: videoResult(ctx),
  };
}

// ---------------------------------------------------------------- special exams

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IRI_SCHEME_RE = /^[a-z][a-z0-9+.-]*:/i;

function examAttemptToAssessment(ctx: BuildContext): StatementParts {
  const r = ctx.reader;
  // ERB reads `event.*` (tracking-log shape) only; the async shape carries the same under `data`.
  const field = (key: string): unknown => r.get(`event.${key}`) ?? r.get(`data.${key}`);
  const examName = field('exam_name');
  const contentId = field('exam_content_id');
  const object = activity(contentId === undefined ? undefined : pyStr(contentId), {
    type: TYPES[ctx.entry.activity],
    name: langMap('en', examName),
    extensions: compact({ [EXT.timeLimit]: field('exam_default_time_limit_mins') }),
  });

  let attemptId: string | undefined;
  const code = field('attempt_code');
  if (code !== undefined) attemptId = pyStr(code);
  // ERB uses the bare attempt code (an upper-case UUID) as activity id; it is not an IRI.
  if (!ctx.erbQuirks && attemptId !== undefined && !IRI_SCHEME_RE.test(attemptId)) {
    attemptId = UUID_RE.test(attemptId) ? `urn:uuid:${attemptId.toLowerCase()}` : undefined;
    if (attemptId === undefined) {
      ctx.warn({
        code: 'OPENEDX_EXAM_ATTEMPT_NOT_IRI',
        message: 'The exam attempt code is neither an IRI nor a UUID; the attempt activity is left out.',
        pointer: '/event/attempt_code',
        expected: 'UUID or IRI',
        got: 'other string',
      });
    }
  }
  const grouping =
    attemptId === undefined && !ctx.erbQuirks
      ? undefined
      : [
          activity(attemptId, {
            type: TYPES.attempt,
            name: langMap('en', examName),
            extensions: compact({
              [EXT.attemptStarted]: field('attempt_started_at'),
              [EXT.attemptCompleted]: field('attempt_completed_at'),
              [EXT.duration]: field('attempt_event_elapsed_time_secs'),
              [EXT.attemptId]: field('attempt_id'),
            }),
          }),
        ];
  return { object, grouping };
}

// ---------------------------------------------------------------- pages (Ralph)

function pageCloseToTerminated(ctx: BuildContext): StatementParts {
  return { object: activity(ctx.reader.string('page', true), { type: TYPES.page }) };
}

function serverPageToViewed(ctx: BuildContext): StatementParts {
  return { object: activity(ctx.lmsRootUrl.replace(/\/+$/, '') + ctx.name, { type: TYPES.page }) };
}

export const OPENEDX_CONVERTERS: Readonly<
  Record<OpenedxConverterKey, (ctx: BuildContext) => StatementParts>
> = {
  enrollmentToCourse,
  courseGradeToEarned,
  subsectionGradeToEarned,
  problemSubmittedToAttempted,
  problemCheckToEvaluated,
  problemEventToActivity,
  completionToProgressed,
  forumToDiscussion,
  linkClickedToNavigated,
  outlineSelectedToNavigated,
  sequenceTabToNavigated,
  videoToVideoActivity,
  examAttemptToAssessment,
  pageCloseToTerminated,
  serverPageToViewed,
};
