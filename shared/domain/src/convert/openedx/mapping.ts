// The `openedx` profile's event table: for every edX event name, the xAPI verb, the object's
// activity type and the converter that builds the rest. Facts from openedx/event-routing-backends
// v10.0 (`processors/xapi`), plus `page_close` and server page views as openfun/ralph maps them.

/** Verb IRIs; the display (language `en`) is the key, as in ERB. */
export const OPENEDX_VERBS = {
  answered: 'http://adlnet.gov/expapi/verbs/answered',
  asked: 'http://adlnet.gov/expapi/verbs/asked',
  attempted: 'http://adlnet.gov/expapi/verbs/attempted',
  completed: 'http://adlnet.gov/expapi/verbs/completed',
  deleted: 'https://w3id.org/xapi/dod-isd/verbs/deleted',
  earned: 'http://id.tincanapi.com/verb/earned',
  edited: 'https://w3id.org/xapi/acrossx/verbs/edited',
  evaluated: 'https://w3id.org/xapi/acrossx/verbs/evaluated',
  failed: 'http://adlnet.gov/expapi/verbs/failed',
  initialized: 'http://adlnet.gov/expapi/verbs/initialized',
  interacted: 'http://adlnet.gov/expapi/verbs/interacted',
  navigated: 'https://w3id.org/xapi/dod-isd/verbs/navigated',
  passed: 'http://adlnet.gov/expapi/verbs/passed',
  paused: 'https://w3id.org/xapi/video/verbs/paused',
  played: 'https://w3id.org/xapi/video/verbs/played',
  posted: 'https://w3id.org/xapi/acrossx/verbs/posted',
  progressed: 'http://adlnet.gov/expapi/verbs/progressed',
  registered: 'http://adlnet.gov/expapi/verbs/registered',
  reported: 'https://w3id.org/xapi/acrossx/verbs/reported',
  seeked: 'https://w3id.org/xapi/video/verbs/seeked',
  terminated: 'http://adlnet.gov/expapi/verbs/terminated',
  unregistered: 'http://id.tincanapi.com/verb/unregistered',
  unreported: 'https://w3id.org/xapi/openedx/verb/unreported',
  viewed: 'http://id.tincanapi.com/verb/viewed',
  voted: 'https://w3id.org/xapi/openedx/verb/voted',
} as const;

export type OpenedxVerbKey = keyof typeof OPENEDX_VERBS;

/** Activity types. */
export const OPENEDX_ACTIVITY_TYPES = {
  attempt: 'http://adlnet.gov/expapi/activities/attempt',
  course: 'http://adlnet.gov/expapi/activities/course',
  discussion: 'http://id.tincanapi.com/activitytype/discussion',
  interaction: 'http://adlnet.gov/expapi/activities/cmi.interaction',
  link: 'http://adlnet.gov/expapi/activities/link',
  module: 'http://adlnet.gov/expapi/activities/module',
  page: 'http://activitystrea.ms/schema/1.0/page',
  practiceAssessment: 'https://w3id.org/xapi/openedx/activity/practice-assessment',
  proctoredAssessment: 'https://w3id.org/xapi/openedx/activity/proctored-assessment',
  question: 'http://adlnet.gov/expapi/activities/question',
  resource: 'http://id.tincanapi.com/activitytype/resource',
  solution: 'http://id.tincanapi.com/activitytype/solution',
  // ERB uses an extension IRI as the activity type of a hint; kept for id/content parity.
  supplementalInfo: 'https://w3id.org/xapi/acrossx/extensions/supplemental-info',
  timedAssessment: 'https://w3id.org/xapi/openedx/activity/timed-assessment',
  video: 'https://w3id.org/xapi/video/activity-type/video',
} as const;

/** Extension keys (context, result and activity extensions). */
export const OPENEDX_EXTENSIONS = {
  attemptCompleted: 'https://w3id.org/xapi/openedx/extension/attempt-completed',
  attemptId: 'http://id.tincanapi.com/extension/attempt-id',
  attemptStarted: 'https://w3id.org/xapi/openedx/extension/attempt-started',
  ccEnabled: 'https://w3id.org/xapi/video/extensions/cc-enabled',
  duration: 'http://id.tincanapi.com/extension/duration',
  endingPosition: 'http://id.tincanapi.com/extension/ending-point',
  gradeClassification: 'http://www.tincanapi.co.uk/activitytypes/grade_classification',
  mode: 'https://w3id.org/xapi/acrossx/extensions/type',
  progress: 'https://w3id.org/xapi/cmi5/result/extensions/progress',
  sessionId: 'https://w3id.org/xapi/openedx/extensions/session-id',
  speedFrom: 'https://w3id.org/xapi/openedx/extension/speed-from',
  speedTo: 'https://w3id.org/xapi/openedx/extension/speed-to',
  startingPosition: 'http://id.tincanapi.com/extension/starting-position',
  timeLimit: 'https://w3id.org/xapi/acrossx/extensions/time-limit',
  totalItems: 'https://w3id.org/xapi/acrossx/extensions/total-items',
  transformerVersion: 'https://w3id.org/xapi/openedx/extension/transformer-version',
  videoLength: 'https://w3id.org/xapi/video/extensions/length',
  videoTime: 'https://w3id.org/xapi/video/extensions/time',
  videoTimeFrom: 'https://w3id.org/xapi/video/extensions/time-from',
  videoTimeTo: 'https://w3id.org/xapi/video/extensions/time-to',
} as const;

/** Which builder completes the statement (object, result, extra context). */
export type OpenedxConverterKey =
  | 'enrollmentToCourse'
  | 'courseGradeToEarned'
  | 'subsectionGradeToEarned'
  | 'problemSubmittedToAttempted'
  | 'problemCheckToEvaluated'
  | 'problemEventToActivity'
  | 'completionToProgressed'
  | 'forumToDiscussion'
  | 'linkClickedToNavigated'
  | 'outlineSelectedToNavigated'
  | 'sequenceTabToNavigated'
  | 'videoToVideoActivity'
  | 'examAttemptToAssessment'
  | 'pageCloseToTerminated'
  | 'serverPageToViewed';

export type OpenedxActivityTypeKey = keyof typeof OPENEDX_ACTIVITY_TYPES;

export interface OpenedxMappingEntry {
  readonly verb: OpenedxVerbKey;
  /** Verb used instead when the event comes from the browser (ERB: problem_check only). */
  readonly browserVerb?: OpenedxVerbKey;
  /** Activity type of the statement object. */
  readonly activity: OpenedxActivityTypeKey;
  readonly converter: OpenedxConverterKey;
  /** Where the mapping comes from. */
  readonly source: 'erb' | 'ralph';
}

const erb = (
  verb: OpenedxVerbKey,
  activity: OpenedxActivityTypeKey,
  converter: OpenedxConverterKey,
): OpenedxMappingEntry => ({ verb, activity, converter, source: 'erb' });

const video = (verb: OpenedxVerbKey): OpenedxMappingEntry => erb(verb, 'video', 'videoToVideoActivity');
const forum = (verb: OpenedxVerbKey): OpenedxMappingEntry => erb(verb, 'discussion', 'forumToDiscussion');

/** Event name -> mapping. Server page views are matched by rule, not by name (see below). */
export const OPENEDX_EVENT_MAPPING: Readonly<Record<string, OpenedxMappingEntry>> = Object.freeze({
  // Enrollment and course pass/fail: object is the course.
  'edx.course.enrollment.activated': erb('registered', 'course', 'enrollmentToCourse'),
  'edx.course.enrollment.mode_changed': erb('registered', 'course', 'enrollmentToCourse'),
  'edx.course.enrollment.deactivated': erb('unregistered', 'course', 'enrollmentToCourse'),
  'edx.course.grade.passed.first_time': erb('passed', 'course', 'enrollmentToCourse'),
  'edx.course.grade.now_passed': erb('passed', 'course', 'enrollmentToCourse'),
  'edx.course.grade.now_failed': erb('failed', 'course', 'enrollmentToCourse'),
  // Grades and completion.
  'edx.grades.course.grade_calculated': erb('earned', 'course', 'courseGradeToEarned'),
  'edx.grades.subsection.grade_calculated': erb('earned', 'resource', 'subsectionGradeToEarned'),
  'edx.grades.problem.submitted': erb('attempted', 'question', 'problemSubmittedToAttempted'),
  'edx.completion.block_completion.changed': erb('progressed', 'resource', 'completionToProgressed'),
  // Problems.
  problem_check: {
    verb: 'evaluated',
    browserVerb: 'attempted',
    activity: 'interaction',
    converter: 'problemCheckToEvaluated',
    source: 'erb',
  },
  showanswer: erb('asked', 'solution', 'problemEventToActivity'),
  'edx.problem.hint.demandhint_displayed': erb('asked', 'supplementalInfo', 'problemEventToActivity'),
  'edx.problem.completed': erb('completed', 'interaction', 'problemEventToActivity'),
  // Navigation.
  'edx.ui.lms.link_clicked': erb('navigated', 'link', 'linkClickedToNavigated'),
  'edx.ui.lms.outline.selected': erb('navigated', 'module', 'outlineSelectedToNavigated'),
  'edx.ui.lms.sequence.outline.selected': erb('navigated', 'module', 'outlineSelectedToNavigated'),
  'edx.ui.lms.sequence.next_selected': erb('navigated', 'resource', 'sequenceTabToNavigated'),
  'edx.ui.lms.sequence.previous_selected': erb('navigated', 'resource', 'sequenceTabToNavigated'),
  'edx.ui.lms.sequence.tab_selected': erb('navigated', 'resource', 'sequenceTabToNavigated'),
  // Video: legacy names and their edx.video.* successors.
  load_video: video('initialized'),
  'edx.video.loaded': video('initialized'),
  play_video: video('played'),
  'edx.video.played': video('played'),
  pause_video: video('paused'),
  'edx.video.paused': video('paused'),
  stop_video: video('terminated'),
  'edx.video.stopped': video('terminated'),
  complete_video: video('completed'),
  'edx.video.completed': video('completed'),
  seek_video: video('seeked'),
  'edx.video.position.changed': video('seeked'),
  speed_change_video: video('interacted'),
  hide_transcript: video('interacted'),
  'edx.video.transcript.hidden': video('interacted'),
  show_transcript: video('interacted'),
  'edx.video.transcript.shown': video('interacted'),
  video_hide_cc_menu: video('interacted'),
  video_show_cc_menu: video('interacted'),
  'edx.video.closed_captions.hidden': video('interacted'),
  'edx.video.closed_captions.shown': video('interacted'),
  // Forum.
  'edx.forum.thread.created': forum('posted'),
  'edx.forum.response.created': forum('posted'),
  'edx.forum.comment.created': forum('posted'),
  'edx.forum.thread.edited': forum('edited'),
  'edx.forum.response.edited': forum('edited'),
  'edx.forum.comment.edited': forum('edited'),
  'edx.forum.thread.deleted': forum('deleted'),
  'edx.forum.response.deleted': forum('deleted'),
  'edx.forum.comment.deleted': forum('deleted'),
  'edx.forum.thread.viewed': forum('viewed'),
  'edx.forum.thread.voted': forum('voted'),
  'edx.forum.response.voted': forum('voted'),
  'edx.forum.thread.reported': forum('reported'),
  'edx.forum.response.reported': forum('reported'),
  'edx.forum.comment.reported': forum('reported'),
  'edx.forum.thread.unreported': forum('unreported'),
  'edx.forum.response.unreported': forum('unreported'),
  'edx.forum.comment.unreported': forum('unreported'),
  // Special exams.
  'edx.special_exam.timed.attempt.created': erb('initialized', 'timedAssessment', 'examAttemptToAssessment'),
  'edx.special_exam.timed.attempt.submitted': erb('terminated', 'timedAssessment', 'examAttemptToAssessment'),
  'edx.special_exam.practice.attempt.created': erb(
    'initialized',
    'practiceAssessment',
    'examAttemptToAssessment',
  ),
  'edx.special_exam.practice.attempt.submitted': erb(
    'terminated',
    'practiceAssessment',
    'examAttemptToAssessment',
  ),
  'edx.special_exam.proctored.attempt.created': erb(
    'initialized',
    'proctoredAssessment',
    'examAttemptToAssessment',
  ),
  'edx.special_exam.proctored.attempt.submitted': erb(
    'terminated',
    'proctoredAssessment',
    'examAttemptToAssessment',
  ),
  // Not in ERB: Ralph's UIPageClose -> PageTerminated.
  page_close: { verb: 'terminated', activity: 'page', converter: 'pageCloseToTerminated', source: 'ralph' },
});

/**
 * Ralph's Server -> PageViewed: any server event whose name is the requested path
 * (`event_type == context.path`). Not keyed by name because the name is a URL path.
 */
export const OPENEDX_SERVER_PAGE_VIEW: OpenedxMappingEntry = Object.freeze({
  verb: 'viewed',
  activity: 'page',
  converter: 'serverPageToViewed',
  source: 'ralph',
});

/** Every event name this profile converts (server page views are matched by rule in addition). */
export const OPENEDX_EVENT_NAMES: readonly string[] = Object.freeze(Object.keys(OPENEDX_EVENT_MAPPING));
