// Privacy: keyed pseudonymisation of statements.
export { PSEUDONYM_HOMEPAGE, agentIfi, pseudonymOf, pseudonymizeStatement } from './pseudonymize.js';
export type { PseudonymKey, PseudonymizedStatement } from './pseudonymize.js';
