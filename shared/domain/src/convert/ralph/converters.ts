// Which edX events Ralph 5.x converts to xAPI, and to what: the nine conversion sets of
// `ralph convert --from edx --to xapi`, kept as data so documentation and tests can list them.
import { pyEquals, pyGet1, pyGet2 } from './python.js';

/** The Ralph release this profile reproduces (checked by scripts/ralph-compare). */
export const RALPH_REFERENCE_VERSION = 'ralph-malph 5.1.0';

export type RalphConverterName =
  | 'ServerEventToPageViewed'
  | 'UIPageCloseToPageTerminated'
  | 'EdxCourseEnrollmentActivatedToLMSRegisteredCourse'
  | 'EdxCourseEnrollmentDeactivatedToLMSUnregisteredCourse'
  | 'UILoadVideoToVideoInitialized'
  | 'UIPlayVideoToVideoPlayed'
  | 'UIPauseVideoToVideoPaused'
  | 'UIStopVideoToVideoTerminated'
  | 'UISeekVideoToVideoSeeked';

export interface RalphConverterInfo {
  /** Ralph's conversion-set class name, kept so logs can be matched with Ralph's. */
  name: RalphConverterName;
  /** The edX `event_source` the event must have. */
  eventSource: 'server' | 'browser';
  /** The edX `event_type`, or null for server page views: `event_type` equal to `context.path`. */
  eventType: string | null;
  /** xAPI verb id of the statement. */
  verb: string;
  /** xAPI activity type of the statement's object. */
  activityType: string;
}

const PAGE = 'http://activitystrea.ms/schema/1.0/page';
const COURSE = 'http://adlnet.gov/expapi/activities/course';
const VIDEO = 'https://w3id.org/xapi/video/activity-type/video';

export const RALPH_CONVERTERS: readonly RalphConverterInfo[] = [
  {
    name: 'ServerEventToPageViewed',
    eventSource: 'server',
    eventType: null,
    verb: 'http://id.tincanapi.com/verb/viewed',
    activityType: PAGE,
  },
  {
    name: 'UIPageCloseToPageTerminated',
    eventSource: 'browser',
    eventType: 'page_close',
    verb: 'http://adlnet.gov/expapi/verbs/terminated',
    activityType: PAGE,
  },
  {
    name: 'EdxCourseEnrollmentActivatedToLMSRegisteredCourse',
    eventSource: 'server',
    eventType: 'edx.course.enrollment.activated',
    verb: 'http://adlnet.gov/expapi/verbs/registered',
    activityType: COURSE,
  },
  {
    name: 'EdxCourseEnrollmentDeactivatedToLMSUnregisteredCourse',
    eventSource: 'server',
    eventType: 'edx.course.enrollment.deactivated',
    verb: 'http://id.tincanapi.com/verb/unregistered',
    activityType: COURSE,
  },
  {
    name: 'UILoadVideoToVideoInitialized',
    eventSource: 'browser',
    eventType: 'load_video',
    verb: 'http://adlnet.gov/expapi/verbs/initialized',
    activityType: VIDEO,
  },
  {
    name: 'UIPlayVideoToVideoPlayed',
    eventSource: 'browser',
    eventType: 'play_video',
    verb: 'https://w3id.org/xapi/video/verbs/played',
    activityType: VIDEO,
  },
  {
    name: 'UIPauseVideoToVideoPaused',
    eventSource: 'browser',
    eventType: 'pause_video',
    verb: 'https://w3id.org/xapi/video/verbs/paused',
    activityType: VIDEO,
  },
  {
    name: 'UIStopVideoToVideoTerminated',
    eventSource: 'browser',
    eventType: 'stop_video',
    verb: 'http://adlnet.gov/expapi/verbs/terminated',
    activityType: VIDEO,
  },
  {
    name: 'UISeekVideoToVideoSeeked',
    eventSource: 'browser',
    eventType: 'seek_video',
    verb: 'https://w3id.org/xapi/video/verbs/seeked',
    activityType: VIDEO,
  },
];

/**
 * Server event types that Ralph 5.1 models under their own name and that its model selector
 * checks before the "event_type equals context.path" page-view rule. Only matters for the odd
 * event whose path equals one of these types: Ralph then picks that model (and, apart from the
 * two enrollment types, has no xAPI conversion for it). Measured on ralph-malph 5.1.0; the five
 * server types absent here (showanswer, xblock.poll.*, xblock.survey.*) lose to the page-view rule.
 */
const SERVER_TYPES_BEFORE_PAGE_VIEW: ReadonlySet<string> = new Set([
  'edx.bookmark.added',
  'edx.bookmark.listed',
  'edx.bookmark.removed',
  'edx.certificate.created',
  'edx.certificate.evidence_visited',
  'edx.certificate.generation.disabled',
  'edx.certificate.generation.enabled',
  'edx.certificate.revoked',
  'edx.certificate.shared',
  'edx.cohort.created',
  'edx.cohort.user_added',
  'edx.cohort.user_removed',
  'edx.course.enrollment.activated',
  'edx.course.enrollment.deactivated',
  'edx.course.enrollment.mode_changed',
  'edx.course.enrollment.upgrade.succeeded',
  'edx.done.toggled',
  'edx.drag_and_drop_v2.feedback.closed',
  'edx.drag_and_drop_v2.feedback.opened',
  'edx.drag_and_drop_v2.item.dropped',
  'edx.drag_and_drop_v2.item.picked_up',
  'edx.drag_and_drop_v2.loaded',
  'edx.librarycontentblock.content.assigned',
  'edx.librarycontentblock.content.removed',
  'edx.problem.hint.demandhint_displayed',
  'edx.problem.hint.feedback_displayed',
  'edx.team.activity_updated',
  'edx.team.changed',
  'edx.team.created',
  'edx.team.deleted',
  'edx.team.learner_added',
  'edx.team.learner_removed',
  'edx.team.page_viewed',
  'edx.team.searched',
  'openassessment.student_training_assess_example',
  'openassessmentblock.create_submission',
  'openassessmentblock.get_peer_submission',
  'openassessmentblock.get_submission_for_staff_grading',
  'openassessmentblock.peer_assess',
  'openassessmentblock.save_submission',
  'openassessmentblock.self_assess',
  'openassessmentblock.staff_assess',
  'openassessmentblock.submit_feedback_on_assessments',
  'problem_check',
  'problem_check_fail',
  'problem_rescore',
  'problem_rescore_fail',
  'reset_problem',
  'reset_problem_fail',
  'save_problem_fail',
  'save_problem_success',
  'ubc.peer_instruction.accessed',
  'ubc.peer_instruction.original_submitted',
  'ubc.peer_instruction.revised_submitted',
]);

// One map per event_source, so selection builds no key string per event.
const byType = (source: 'server' | 'browser'): ReadonlyMap<string, RalphConverterInfo> =>
  new Map(
    RALPH_CONVERTERS.filter((c) => c.eventSource === source && c.eventType !== null).map((c) => [
      c.eventType!,
      c,
    ]),
  );
const BROWSER_BY_TYPE = byType('browser');
const SERVER_BY_TYPE = byType('server');
const PAGE_VIEW = RALPH_CONVERTERS[0]!;

/**
 * The conversion Ralph selects for a parsed edX event, or undefined when it has none (no edX model
 * matches, or the matching model has no xAPI conversion). Selection reads only `event_source`,
 * `event_type` and `context.path`, with Python equality.
 */
export function ralphSelectConverter(event: unknown): RalphConverterInfo | undefined {
  const source = pyGet1(event, 'event_source');
  const type = pyGet1(event, 'event_type');
  if (pyEquals(source, 'browser')) {
    return typeof type === 'string' ? BROWSER_BY_TYPE.get(type) : undefined;
  }
  if (!pyEquals(source, 'server')) return undefined;
  if (typeof type === 'string' && SERVER_TYPES_BEFORE_PAGE_VIEW.has(type)) {
    return SERVER_BY_TYPE.get(type);
  }
  // Both absent counts as equal (None == None): Ralph then fails converting, not selecting.
  return pyEquals(type, pyGet2(event, 'context', 'path')) ? PAGE_VIEW : undefined;
}
