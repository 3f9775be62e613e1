// Privacy: policies as data, keyed pseudonyms, key rings, and the statement walker.
export { PSEUDONYM_HOMEPAGE, agentIfi, keyedHash, keyedUuid, pseudonymOf } from './pseudonymize.js';
export type { PseudonymKey } from './pseudonymize.js';
export { PolicyError, compilePolicy, parsePolicy } from './policy.js';
export type { ExtensionKind, PolicyRules, PrivacyPolicy, PrivacyPolicyFile } from './policy.js';
export { KeyRingError, MIN_SECRET_BYTES, makeKey, parseKeyRing } from './keyring.js';
export type { KeyRing } from './keyring.js';
export { applyPrivacyPolicy, coarsenTime, publishedCourseId, timeGranularityMs } from './apply.js';
export type { DropReason, PolicyContext, PolicyResult, PrivacyReport } from './apply.js';
export { REDACTED, generaliseUrl, userAgentFamily } from './text.js';
