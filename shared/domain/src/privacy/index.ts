// Privacy: policies as data, keyed pseudonyms, key rings, and the statement walker.
export {
  PSEUDONYM_HOMEPAGE,
  agentIfi,
  canonicalHomePage,
  keyedHash,
  keyedUuid,
  pseudonymOf,
} from './pseudonymize.js';
export type { PseudonymKey } from './pseudonymize.js';
export { DEFAULT_VOCABULARY, PolicyError, compilePolicy, parsePolicy } from './policy.js';
export type {
  ExtensionKind,
  KeptTextField,
  PolicyRules,
  PrivacyPolicy,
  PrivacyPolicyFile,
} from './policy.js';
export { KeyRingError, MIN_SECRET_BYTES, makeKey, parseKeyRing } from './keyring.js';
export type { KeyRing } from './keyring.js';
export {
  anonymizedEventId,
  anonymizedOrigin,
  anonymizedStatementId,
  applyPrivacyPolicy,
  coarsenTime,
  publishedCourseId,
  timeGranularityMs,
} from './apply.js';
export type { DropReason, PolicyContext, PolicyResult, PrivacyReport } from './apply.js';
export { REDACTED, fold, generaliseLanguage, userAgentFamily } from './text.js';
export { cleanCourseId, generaliseIri, generaliseUrl, vocabularyIri } from './urls.js';
export type { UrlReport } from './urls.js';
export { AccountLinksError, accountKey, parseAccountLinks } from './links.js';
export type { AccountLinks } from './links.js';
