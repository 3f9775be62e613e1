/**
 * Statement templates as data. Sources (facts only):
 * - `video`: ADL xAPI Video Profile v1.0.3 (video.jsonld: verbs, templates, rule presence, extension
 *   inline schemas), with Ralph's VideoXxx models for the non-negative numbers and for where Ralph puts
 *   `cc-enabled` (result.extensions; the profile says context.extensions; both are accepted).
 * - `lms`, `navigation`, `virtual-classroom`: Ralph (openfun/ralph, src/ralph/models/xapi/*), whose
 *   pydantic models are the only definition of these templates.
 */

/** A value constraint checked when the property is present. */
export type XapiValueRule =
  | { kind: 'number'; min?: number; integer?: boolean; positive?: boolean }
  | { kind: 'boolean' }
  | { kind: 'string'; nonEmpty?: boolean; pattern?: string; oneOf?: readonly string[] }
  | { kind: 'uuid' }
  | { kind: 'timestamp' }
  | { kind: 'duration' }
  | { kind: 'const'; value: string | number | boolean };

/** One template rule about a property, addressed by its path from the statement root. */
export interface XapiTemplateRule {
  /** Alternative paths for the same property; the first one present is used. */
  location: readonly (readonly string[])[];
  /** `included`: must be present. `recommended`: a warning when absent. Omitted: value check only. */
  presence?: 'included' | 'recommended';
  /** `included` applies only when the parent object exists (Ralph: required key of an optional object). */
  ifParentPresent?: boolean;
  value?: XapiValueRule;
}

export interface XapiStatementTemplate {
  /** Template IRI where the profile publishes one, else the Ralph model name. */
  id: string;
  /** The Ralph pydantic model for this template, when there is one. */
  ralphModel?: string;
  verb: string;
  /** Required `object.definition.type`. */
  objectActivityType?: string;
  /** Several templates sharing verb and object type: the paths whose presence selects this one. */
  selectWhenAny?: readonly (readonly string[])[];
  /** context.contextActivities.parent must hold an Activity of this type. */
  parentActivityType?: string;
  rules: readonly XapiTemplateRule[];
}

export interface XapiProfile {
  /** Short name used in reports: `video`, `lms`, `navigation`, `virtual-classroom`. */
  name: string;
  /** Profile IRI that statements put in context.contextActivities.category; none for navigation. */
  iri?: string;
  source: string;
  templates: readonly XapiStatementTemplate[];
}

/** Activity type of the category Activity that names a profile. */
export const XAPI_PROFILE_ACTIVITY_TYPE = 'http://adlnet.gov/expapi/activities/profile';

const V = 'https://w3id.org/xapi/video/extensions/';
const VIDEO_TYPE = 'https://w3id.org/xapi/video/activity-type/video';
const ADL_VERB = 'http://adlnet.gov/expapi/verbs/';
const CMI5_SESSION = 'https://w3id.org/xapi/cmi5/context/extensions/sessionid';
const ACROSSX_TYPE = 'https://w3id.org/xapi/acrossx/extensions/type';
const VC_TYPE = 'https://w3id.org/xapi/virtual-classroom/activity-types/virtual-classroom';
const PLANNED_DURATION = 'http://id.tincanapi.com/extension/planned-duration';

const ctx = (key: string): string[] => ['context', 'extensions', key];
const res = (key: string): string[] => ['result', 'extensions', key];

const NUMBER: XapiValueRule = { kind: 'number' };
const NON_NEGATIVE: XapiValueRule = { kind: 'number', min: 0 };
const BOOLEAN: XapiValueRule = { kind: 'boolean' };
const STRING: XapiValueRule = { kind: 'string' };
// The profile's inline schema for session-id: a version 4, variant 1 UUID (pattern anchored at start only).
const SESSION_ID: XapiValueRule = {
  kind: 'string',
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[8-9a-bA-B][0-9a-fA-F]{3}-[0-9a-fA-F]{12}',
};

function inc(location: readonly string[], value?: XapiValueRule): XapiTemplateRule {
  return value === undefined
    ? { location: [location], presence: 'included' }
    : { location: [location], presence: 'included', value };
}
function rec(location: readonly string[], value?: XapiValueRule): XapiTemplateRule {
  return value === undefined
    ? { location: [location], presence: 'recommended' }
    : { location: [location], presence: 'recommended', value };
}

// cc-enabled: the templates say `cc-enabled`, the concept is `cc-subtitle-enabled`, Ralph puts it in
// result.extensions. All three spellings/places are accepted.
const CC_ENABLED_LOCATIONS = [ctx(`${V}cc-enabled`), ctx(`${V}cc-subtitle-enabled`), res(`${V}cc-enabled`)];

const VIDEO_COMMON: XapiTemplateRule[] = [inc(['id']), inc(['timestamp'], { kind: 'timestamp' })];

// Extension value types from the profile's inline schemas, applied wherever the extension appears.
const VIDEO_CONTEXT_TYPES: XapiTemplateRule[] = [
  { location: [ctx(`${V}length`)], value: NON_NEGATIVE },
  { location: [ctx(`${V}session-id`)], value: SESSION_ID },
  { location: CC_ENABLED_LOCATIONS, value: BOOLEAN },
  { location: [ctx(`${V}cc-subtitle-lang`)], value: STRING },
  { location: [ctx(`${V}frame-rate`)], value: NUMBER },
  { location: [ctx(`${V}full-screen`)], value: BOOLEAN },
  { location: [ctx(`${V}quality`)], value: NUMBER },
  { location: [ctx(`${V}screen-size`)], value: STRING },
  { location: [ctx(`${V}video-playback-size`)], value: STRING },
  { location: [ctx(`${V}speed`)], value: STRING },
  { location: [ctx(`${V}track`)], value: STRING },
  { location: [ctx(`${V}user-agent`)], value: STRING },
  { location: [ctx(`${V}volume`)], value: NUMBER },
  { location: [ctx(`${V}completion-threshold`)], value: NUMBER },
  { location: [res(`${V}time`)], value: NON_NEGATIVE },
  { location: [res(`${V}time-from`)], value: NON_NEGATIVE },
  { location: [res(`${V}time-to`)], value: NON_NEGATIVE },
  { location: [res(`${V}progress`)], value: NON_NEGATIVE },
  { location: [res(`${V}played-segments`)], value: STRING },
];

function videoTemplate(
  name: string,
  ralphModel: string,
  verb: string,
  rules: XapiTemplateRule[],
  selectWhenAny?: readonly (readonly string[])[],
): XapiStatementTemplate {
  const t: XapiStatementTemplate = {
    id: `https://w3id.org/xapi/video/templates#${name}`,
    ralphModel,
    verb,
    objectActivityType: VIDEO_TYPE,
    rules: [...VIDEO_COMMON, ...rules, ...VIDEO_CONTEXT_TYPES],
  };
  return selectWhenAny === undefined ? t : { ...t, selectWhenAny };
}

export const XAPI_VIDEO_PROFILE: XapiProfile = {
  name: 'video',
  iri: 'https://w3id.org/xapi/video',
  source: 'ADL xAPI Video Profile v1.0.3 (video.jsonld) and Ralph video models',
  templates: [
    videoTemplate('initialized', 'VideoInitialized', `${ADL_VERB}initialized`, [
      inc(ctx(`${V}length`)),
      ...[
        'session-id',
        'cc-subtitle-lang',
        'frame-rate',
        'full-screen',
        'quality',
        'screen-size',
        'video-playback-size',
        'speed',
        'track',
        'user-agent',
        'volume',
        'completion-threshold',
      ].map((k) => rec(ctx(`${V}${k}`))),
      { location: CC_ENABLED_LOCATIONS, presence: 'recommended' },
    ]),
    videoTemplate('played', 'VideoPlayed', 'https://w3id.org/xapi/video/verbs/played', [
      inc(res(`${V}time`)),
      rec(ctx(`${V}length`)),
      rec(ctx(`${V}session-id`)),
    ]),
    videoTemplate('paused', 'VideoPaused', 'https://w3id.org/xapi/video/verbs/paused', [
      inc(ctx(`${V}length`)),
      inc(res(`${V}time`)),
      inc(res(`${V}progress`)),
      inc(res(`${V}played-segments`)),
      rec(ctx(`${V}completion-threshold`)),
      rec(ctx(`${V}session-id`)),
    ]),
    videoTemplate('seeked', 'VideoSeeked', 'https://w3id.org/xapi/video/verbs/seeked', [
      inc(res(`${V}time-to`)),
      inc(res(`${V}time-from`)),
      rec(ctx(`${V}session-id`)),
      rec(ctx(`${V}length`)),
      rec(res(`${V}progress`)),
      rec(res(`${V}played-segments`)),
    ]),
    videoTemplate('completed', 'VideoCompleted', `${ADL_VERB}completed`, [
      inc(['result', 'duration'], { kind: 'duration' }),
      // Completion is the point of this statement: Ralph fixes it to true.
      inc(['result', 'completion'], { kind: 'const', value: true }),
      inc(ctx(`${V}length`)),
      inc(res(`${V}time`)),
      inc(res(`${V}progress`)),
      inc(res(`${V}played-segments`)),
      rec(ctx(`${V}completion-threshold`)),
      rec(ctx(`${V}session-id`)),
    ]),
    videoTemplate('terminated', 'VideoTerminated', `${ADL_VERB}terminated`, [
      inc(ctx(`${V}length`)),
      inc(res(`${V}time`)),
      inc(res(`${V}progress`)),
      inc(res(`${V}played-segments`)),
      rec(ctx(`${V}completion-threshold`)),
      rec(ctx(`${V}session-id`)),
    ]),
    videoTemplate(
      'closed-captioning',
      'VideoEnableClosedCaptioning',
      `${ADL_VERB}interacted`,
      [
        inc(res(`${V}time`)),
        { location: CC_ENABLED_LOCATIONS, presence: 'included' },
        inc(ctx(`${V}cc-subtitle-lang`)),
        rec(ctx(`${V}session-id`)),
      ],
      [...CC_ENABLED_LOCATIONS, ctx(`${V}cc-subtitle-lang`)],
    ),
    videoTemplate(
      'volumechange',
      'VideoVolumeChangeInteraction',
      `${ADL_VERB}interacted`,
      [inc(res(`${V}time`)), inc(ctx(`${V}volume`)), rec(ctx(`${V}session-id`))],
      [ctx(`${V}volume`)],
    ),
    videoTemplate(
      'screenchange',
      'VideoScreenChangeInteraction',
      `${ADL_VERB}interacted`,
      [
        inc(res(`${V}time`)),
        inc(ctx(`${V}full-screen`)),
        inc(ctx(`${V}screen-size`)),
        inc(ctx(`${V}video-playback-size`)),
        rec(ctx(`${V}session-id`)),
      ],
      [ctx(`${V}full-screen`), ctx(`${V}screen-size`), ctx(`${V}video-playback-size`)],
    ),
  ],
};

// ---------------------------------------------------------------------------------------------
// LMS (Ralph lms/statements.py, lms/contexts.py, lms/objects.py)

const LMS_EXT = 'https://w3id.org/xapi/lms/extensions/';
const LMS_COMMON: XapiTemplateRule[] = [inc(['timestamp'], { kind: 'timestamp' }), inc(['context'])];
const LMS_SESSION: XapiTemplateRule = { location: [ctx(CMI5_SESSION)], value: { kind: 'uuid' } };

function lmsTemplate(
  ralphModel: string,
  verb: string,
  objectActivityType: string,
  rules: XapiTemplateRule[] = [],
): XapiStatementTemplate {
  return { id: ralphModel, ralphModel, verb, objectActivityType, rules: [...LMS_COMMON, ...rules] };
}

const REGISTRATION_RULES: XapiTemplateRule[] = [
  { location: [ctx(`${LMS_EXT}starting-date`)], value: { kind: 'timestamp' } },
  { location: [ctx(`${LMS_EXT}ending-date`)], value: { kind: 'timestamp' } },
  // Ralph declares `role` without a default: required (nullable) whenever context.extensions exists.
  { location: [ctx(`${LMS_EXT}role`)], presence: 'included', ifParentPresent: true },
];
const FILE_RULES: XapiTemplateRule[] = [
  inc(['object', 'definition']),
  {
    location: [['object', 'definition', 'extensions', ACROSSX_TYPE]],
    presence: 'included',
    ifParentPresent: true,
    value: STRING,
  },
];
const MEDIA_LENGTH: XapiTemplateRule = { location: [ctx(`${V}length`)], value: NON_NEGATIVE };

const NETC = 'https://w3id.org/xapi/netc/verbs/';
const DOWNLOADED = 'http://id.tincanapi.com/verb/downloaded';
const FILE_TYPE = 'http://activitystrea.ms/file';
const DOCUMENT_TYPE = 'http://id.tincanapi.com/activitytype/document';
const AUDIO_TYPE = 'https://w3id.org/xapi/audio/activity-type/audio';
const COURSE_TYPE = 'http://adlnet.gov/expapi/activities/course';

export const XAPI_LMS_PROFILE: XapiProfile = {
  name: 'lms',
  iri: 'https://w3id.org/xapi/lms',
  source: 'Ralph LMS models (openfun/ralph src/ralph/models/xapi/lms)',
  templates: [
    lmsTemplate('LMSRegisteredCourse', `${ADL_VERB}registered`, COURSE_TYPE, REGISTRATION_RULES),
    lmsTemplate(
      'LMSUnregisteredCourse',
      'http://id.tincanapi.com/verb/unregistered',
      COURSE_TYPE,
      REGISTRATION_RULES,
    ),
    lmsTemplate('LMSAccessedPage', `${NETC}accessed`, 'https://w3id.org/xapi/acrossx/activities/webpage', [
      inc(['object', 'definition']),
      {
        location: [['object', 'definition', 'extensions', ACROSSX_TYPE]],
        value: { kind: 'string', oneOf: ['course', 'course_list', 'user_space'] },
      },
    ]),
    lmsTemplate('LMSAccessedFile', `${NETC}accessed`, FILE_TYPE, FILE_RULES),
    lmsTemplate('LMSUploadedFile', `${NETC}uploaded`, FILE_TYPE, [...FILE_RULES, LMS_SESSION]),
    lmsTemplate('LMSDownloadedFile', DOWNLOADED, FILE_TYPE, [...FILE_RULES, LMS_SESSION]),
    lmsTemplate('LMSUploadedVideo', `${NETC}uploaded`, VIDEO_TYPE, [LMS_SESSION]),
    lmsTemplate('LMSDownloadedVideo', DOWNLOADED, VIDEO_TYPE, [
      LMS_SESSION,
      MEDIA_LENGTH,
      { location: [ctx(`${V}quality`)], value: { kind: 'number', integer: true, positive: true } },
    ]),
    lmsTemplate('LMSUploadedDocument', `${NETC}uploaded`, DOCUMENT_TYPE, [LMS_SESSION]),
    lmsTemplate('LMSDownloadedDocument', DOWNLOADED, DOCUMENT_TYPE, [LMS_SESSION]),
    lmsTemplate('LMSUploadedAudio', `${NETC}uploaded`, AUDIO_TYPE, [LMS_SESSION]),
    lmsTemplate('LMSDownloadedAudio', DOWNLOADED, AUDIO_TYPE, [LMS_SESSION, MEDIA_LENGTH]),
  ],
};

// ---------------------------------------------------------------------------------------------
// Navigation (Ralph navigation/statements.py): no profile category, no extra fields.

const PAGE_TYPE = 'http://activitystrea.ms/schema/1.0/page';

export const XAPI_NAVIGATION_PROFILE: XapiProfile = {
  name: 'navigation',
  source: 'Ralph navigation models (openfun/ralph src/ralph/models/xapi/navigation)',
  templates: [
    {
      id: 'PageViewed',
      ralphModel: 'PageViewed',
      verb: 'http://id.tincanapi.com/verb/viewed',
      objectActivityType: PAGE_TYPE,
      rules: [],
    },
    {
      id: 'PageTerminated',
      ralphModel: 'PageTerminated',
      verb: `${ADL_VERB}terminated`,
      objectActivityType: PAGE_TYPE,
      rules: [],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Virtual classroom (Ralph virtual_classroom/*.py)

const VC_VERB = 'https://w3id.org/xapi/virtual-classroom/verbs/';
const VC_COMMON: XapiTemplateRule[] = [
  inc(['timestamp'], { kind: 'timestamp' }),
  inc(['context', 'registration'], { kind: 'uuid' }),
  inc(['context', 'extensions']),
  { location: [ctx(CMI5_SESSION)], value: STRING },
];
// Ralph declares planned-duration as a required-but-nullable key; treated as recommended here.
const VC_PLANNED: XapiTemplateRule = rec(ctx(PLANNED_DURATION));

function vcTemplate(
  ralphModel: string,
  verb: string,
  extra: XapiTemplateRule[] = [],
  objectActivityType = VC_TYPE,
  parentActivityType?: string,
): XapiStatementTemplate {
  const t: XapiStatementTemplate = {
    id: ralphModel,
    ralphModel,
    verb,
    objectActivityType,
    rules: [...VC_COMMON, ...extra],
  };
  return parentActivityType === undefined ? t : { ...t, parentActivityType };
}

const CMI_INTERACTION = 'http://adlnet.gov/expapi/activities/cmi.interaction';

export const XAPI_VIRTUAL_CLASSROOM_PROFILE: XapiProfile = {
  name: 'virtual-classroom',
  iri: 'https://w3id.org/xapi/virtual-classroom',
  source: 'Ralph virtual classroom models (openfun/ralph src/ralph/models/xapi/virtual_classroom)',
  templates: [
    vcTemplate('VirtualClassroomInitialized', `${ADL_VERB}initialized`, [VC_PLANNED]),
    vcTemplate('VirtualClassroomJoined', 'http://activitystrea.ms/join', [VC_PLANNED]),
    vcTemplate('VirtualClassroomLeft', 'http://activitystrea.ms/leave'),
    vcTemplate('VirtualClassroomTerminated', `${ADL_VERB}terminated`, [VC_PLANNED]),
    vcTemplate('VirtualClassroomMuted', `${VC_VERB}muted`),
    vcTemplate('VirtualClassroomUnmuted', `${VC_VERB}unmuted`),
    vcTemplate('VirtualClassroomStartedCamera', `${VC_VERB}started-camera`),
    vcTemplate('VirtualClassroomStoppedCamera', `${VC_VERB}stopped-camera`),
    vcTemplate('VirtualClassroomSharedScreen', `${VC_VERB}shared-screen`),
    vcTemplate('VirtualClassroomUnsharedScreen', `${VC_VERB}unshared-screen`),
    vcTemplate('VirtualClassroomRaisedHand', `${VC_VERB}raised-hand`),
    vcTemplate('VirtualClassroomLoweredHand', `${VC_VERB}lowered-hand`),
    vcTemplate('VirtualClassroomStartedPoll', `${ADL_VERB}asked`, [], CMI_INTERACTION, VC_TYPE),
    vcTemplate(
      'VirtualClassroomAnsweredPoll',
      `${ADL_VERB}answered`,
      [inc(['result', 'response'], { kind: 'string', nonEmpty: true })],
      CMI_INTERACTION,
      VC_TYPE,
    ),
    vcTemplate(
      'VirtualClassroomPostedPublicMessage',
      'https://w3id.org/xapi/acrossx/verbs/posted',
      [],
      'https://w3id.org/xapi/acrossx/activities/message',
      VC_TYPE,
    ),
  ],
};

/** Every profile this module knows, in the order reports list them. */
export const XAPI_PROFILES: readonly XapiProfile[] = [
  XAPI_VIDEO_PROFILE,
  XAPI_LMS_PROFILE,
  XAPI_NAVIGATION_PROFILE,
  XAPI_VIRTUAL_CLASSROOM_PROFILE,
];
