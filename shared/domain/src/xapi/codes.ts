/**
 * Stable issue codes of the xapi module. Consumers (dead-letter routing, dashboards) key on these, so
 * a code is never renamed; new rules get new codes.
 */
export const XAPI_ISSUE = {
  /** Wrong JSON type (string where an object is required, number where a string is required...). */
  TYPE: 'XAPI_TYPE',
  /** A `null` value outside an extensions object (Data §2.2). */
  NULL: 'XAPI_NULL',
  /** A required property is missing. */
  REQUIRED: 'XAPI_REQUIRED',
  /** A property the specification does not define at this place, including a wrongly cased key. */
  UNKNOWN_PROPERTY: 'XAPI_UNKNOWN_PROPERTY',
  /** A property the specification defines but forbids here (e.g. `id` in a SubStatement). */
  FORBIDDEN_PROPERTY: 'XAPI_FORBIDDEN_PROPERTY',
  /** An Agent or identified Group without exactly one inverse functional identifier. */
  IFI_COUNT: 'XAPI_IFI_COUNT',
  /** `mbox` is not `mailto:` followed by one email address. */
  MAILTO: 'XAPI_MAILTO',
  /** `mbox_sha1sum` is not 40 hex digits. */
  SHA1: 'XAPI_SHA1',
  /** An attachment `sha2` is not a hex SHA-2 digest. */
  SHA2: 'XAPI_SHA2',
  /** An IRI/IRL/URI without a scheme or with characters an IRI cannot hold. */
  IRI: 'XAPI_IRI',
  /** Not a UUID in standard string form. */
  UUID: 'XAPI_UUID',
  /** Not an ISO 8601 date and time. */
  TIMESTAMP: 'XAPI_TIMESTAMP',
  /** Not an ISO 8601 duration. */
  DURATION: 'XAPI_DURATION',
  /** A language map key or `context.language` that is not an RFC 5646 tag. */
  LANGUAGE_TAG: 'XAPI_LANGUAGE_TAG',
  /** Not an Internet media type. */
  MEDIA_TYPE: 'XAPI_MEDIA_TYPE',
  /** `version` is not 1.0 or 1.0.x. */
  VERSION: 'XAPI_VERSION',
  /** A value outside its enumeration (exact case), e.g. `interactionType`. */
  ENUM: 'XAPI_ENUM',
  /** `objectType` not allowed at this place. */
  OBJECT_TYPE: 'XAPI_OBJECT_TYPE',
  /** Anonymous Group without members, or a member that is not an Agent. */
  GROUP_MEMBER: 'XAPI_GROUP_MEMBER',
  /** A Group authority that is not an anonymous Group of exactly two Agents (Data §2.4.9). */
  AUTHORITY: 'XAPI_AUTHORITY',
  /** Score outside its range: scaled in [-1, 1], min < max, min <= raw <= max. */
  SCORE_RANGE: 'XAPI_SCORE_RANGE',
  /** Interaction rules: interactionType required by, or not allowing, a component list; duplicate ids. */
  INTERACTION: 'XAPI_INTERACTION',
  /** A SubStatement inside a SubStatement. */
  SUBSTATEMENT_NESTED: 'XAPI_SUBSTATEMENT_NESTED',
  /** A voiding statement whose object is not a StatementRef. */
  VOIDING: 'XAPI_VOIDING',
  /** `context.revision`/`platform` while the object is not an Activity. */
  CONTEXT_NOT_ACTIVITY: 'XAPI_CONTEXT_NOT_ACTIVITY',
  /** Two statements of one batch share an `id`. */
  BATCH_DUPLICATE_ID: 'XAPI_BATCH_DUPLICATE_ID',
} as const;

export type XapiIssueCode = (typeof XAPI_ISSUE)[keyof typeof XAPI_ISSUE];

/** Issue codes of profile conformance (reported apart from base validity). */
export const XAPI_ISSUE_PROFILE = {
  /** The statement does not put the profile IRI in context.contextActivities.category. */
  CATEGORY: 'XAPI_PROFILE_CATEGORY',
  /** No template of the profile fits the statement's verb (or several fit and none can be chosen). */
  NO_TEMPLATE: 'XAPI_PROFILE_NO_TEMPLATE',
  /** The object's activity type is not the template's. */
  OBJECT_TYPE: 'XAPI_PROFILE_OBJECT_TYPE',
  /** A required parent context activity is missing. */
  PARENT: 'XAPI_PROFILE_PARENT',
  /** A property the template marks `included` is missing. */
  REQUIRED: 'XAPI_PROFILE_REQUIRED',
  /** A property the template marks `recommended` is missing (a warning). */
  RECOMMENDED: 'XAPI_PROFILE_RECOMMENDED',
  /** A property has the wrong type or value for the template. */
  VALUE: 'XAPI_PROFILE_VALUE',
} as const;
