// Which statements each open dataset counts: xAPI vocabulary, Open edX (ERB) and Marsha forms alike.
export const VIDEO_TYPE = 'https://w3id.org/xapi/video/activity-type/video';
export const VERBS = {
  initialized: [
    'http://adlnet.gov/expapi/verbs/initialized',
    'https://w3id.org/xapi/video/verbs/initialized',
  ],
  played: ['https://w3id.org/xapi/video/verbs/played'],
  completed: ['http://adlnet.gov/expapi/verbs/completed', 'https://w3id.org/xapi/video/verbs/completed'],
  downloaded: ['http://id.tincanapi.com/verb/downloaded', 'https://w3id.org/xapi/video/verbs/downloaded'],
  problem: ['https://w3id.org/xapi/acrossx/verbs/evaluated', 'http://adlnet.gov/expapi/verbs/answered'],
  registered: ['http://adlnet.gov/expapi/verbs/registered'],
} as const;

/** Index fields the export reads (all mapped by services/index/templates/xapi.json). */
export const FIELDS = {
  course: 'lrstream.course_id',
  learner: 'lrstream.actor_pseudonym',
  object: 'object.id',
  objectType: 'object.definition.type',
  verb: 'verb.id',
  success: 'result.success',
  time: 'timestamp',
} as const;
