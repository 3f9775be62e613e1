// xAPI 1.0.3: statement validation and profile conformance. Names carry the `Xapi` prefix so they
// cannot clash with the edx and convert modules in the package's flat export.
export { XAPI_ISSUE } from './codes.js';
export type { XapiIssueCode } from './codes.js';
export {
  isXapiDuration,
  isXapiIri,
  isXapiLanguageTag,
  isXapiMailto,
  isXapiMediaType,
  isXapiSha1Hex,
  isXapiSha2Hex,
  isXapiTimestamp,
  isXapiUuid,
  isXapiVersion,
} from './formats.js';
export {
  XAPI_INTERACTION_COMPONENTS,
  XAPI_VOIDED_VERB,
  isValidXapiStatement,
  isXapiBatchValid,
  validateXapiStatement,
  validateXapiStatements,
} from './validate.js';
export type { XapiStatementResult } from './validate.js';
export { XAPI_ISSUE_PROFILE } from './codes.js';
export {
  XAPI_LMS_PROFILE,
  XAPI_NAVIGATION_PROFILE,
  XAPI_PROFILES,
  XAPI_PROFILE_ACTIVITY_TYPE,
  XAPI_VIDEO_PROFILE,
  XAPI_VIRTUAL_CLASSROOM_PROFILE,
} from './profile-data.js';
export type { XapiProfile, XapiStatementTemplate, XapiTemplateRule, XapiValueRule } from './profile-data.js';
export { checkXapiProfile, checkXapiProfiles } from './profiles.js';
export type { XapiProfileOptions, XapiProfileReport } from './profiles.js';
