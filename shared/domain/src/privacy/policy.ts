// Privacy policies are data: a versioned JSON file (schemas/privacy/policy.v1.schema.json) says,
// for each kind of field, what the anonymize stage does with it. A policy is validated once, at
// start-up, and every problem is reported at once, with where it is.
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';

export type ExtensionKind =
  'measure' | 'language' | 'sessionId' | 'userAgent' | 'ipAddress' | 'url' | 'userText' | 'drop';

export interface PolicyRules {
  actor: 'keyed-hash' | 'random';
  agents: 'keyed-hash' | 'random' | 'drop';
  agentName: 'drop' | 'keep';
  registration: 'keyed-hash' | 'drop' | 'keep';
  sessionId: 'keyed-hash' | 'drop';
  userAgent: 'generalise' | 'drop';
  ipAddress: 'drop';
  url: 'generalise' | 'keep';
  freeText: 'drop' | 'keep';
  userText: 'drop' | 'keep';
  personalDataInText: 'generalise' | 'keep';
  courseKey: 'keep' | 'keyed-hash';
  timestamp: 'keep' | 'generalise';
  attachments: 'drop';
  unknownExtension: 'drop' | 'keep';
}

export type KeptTextField =
  | 'definition.name'
  | 'definition.description'
  | 'interaction.description'
  | 'verb.display'
  | 'context.platform'
  | 'context.revision';

/** Curated xAPI vocabularies (ADL, xAPI profiles on w3id.org, TinCan registry, Activity Streams). */
export const DEFAULT_VOCABULARY: readonly string[] = [
  'http://adlnet.gov/expapi/',
  'https://w3id.org/xapi/',
  'http://id.tincanapi.com/',
  'http://activitystrea.ms/schema/1.0/',
  'https://activitystrea.ms/schema/1.0/',
  'http://www.tincanapi.co.uk/',
];

/** The policy file, as written (policyFormat 1). */
export interface PrivacyPolicyFile {
  policyFormat: 1;
  name: string;
  version: number;
  description?: string;
  strict: boolean;
  rules: PolicyRules;
  generalise: { timestampUnit: 'hour' | 'day'; userPathSegments?: string[] };
  /** Namespaces of the closed vocabulary of verb ids and activity types (default: DEFAULT_VOCABULARY). */
  vocabularyNamespaces?: readonly string[];
  /** Free-text fields kept (scrubbed); every other one is dropped. */
  keepText?: KeptTextField[];
  keepTextActivityTypes?: string[];
  userTextActivityTypes: string[];
  extensions: Record<string, ExtensionKind>;
}

/** A validated policy, with its lookups built once. */
export interface PrivacyPolicy extends PrivacyPolicyFile {
  /** `<name>@<version>`: recorded with every statement the policy treated. */
  id: string;
  userTextTypes: ReadonlySet<string>;
  keepTextSet: ReadonlySet<string>;
  keepTextTypes: ReadonlySet<string>;
  vocabularyNamespaces: readonly string[];
}

export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  readonly code = 'LRS_ERR_PRIVACY_POLICY';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Invalid privacy policy ${source}:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Resolved from src/privacy/ (tsx) and dist/privacy/ (compiled): both two levels below the package root. */
const SCHEMA_URL = new URL('../../schemas/privacy/policy.v1.schema.json', import.meta.url);
let validator: ReturnType<Ajv['compile']> | undefined;

function validate(input: unknown): ErrorObject[] {
  if (!validator) {
    const schema = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as Record<string, unknown>;
    validator = new Ajv({ allErrors: true, strict: false }).compile(schema);
  }
  return validator(input) ? [] : [...(validator.errors ?? [])];
}

function describe(error: ErrorObject): string {
  const at = error.instancePath || '(top level)';
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${at}: unknown property "${String(p.additionalProperty)}" (a policy says nothing it does not mean)`;
    case 'required':
      return `${at}: missing "${String(p.missingProperty)}" (every kind of field needs an explicit rule)`;
    case 'enum':
      return `${at}: must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${at}: must be ${JSON.stringify(p.allowedValue)}${at.endsWith('unknownExtension') ? ' when strict is true' : ''}`;
    default:
      return `${at}: ${error.message ?? error.keyword}`;
  }
}

/** Validates a parsed policy file; throws PolicyError listing every problem. */
export function compilePolicy(input: unknown, source = 'policy'): PrivacyPolicy {
  const problems = validate(input)
    .filter((e) => e.keyword !== 'if')
    .map(describe);
  if (problems.length > 0) throw new PolicyError(source, [...new Set(problems)]);
  const file = input as PrivacyPolicyFile;
  return Object.freeze({
    ...file,
    id: `${file.name}@${file.version}`,
    userTextTypes: new Set(file.userTextActivityTypes),
    keepTextSet: new Set<string>(file.keepText ?? []),
    keepTextTypes: new Set(file.keepTextActivityTypes ?? []),
    vocabularyNamespaces: file.vocabularyNamespaces ?? DEFAULT_VOCABULARY,
  });
}

/** Parses and validates the text of a policy file. */
export function parsePolicy(text: string, source = 'policy'): PrivacyPolicy {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (err) {
    throw new PolicyError(source, [`not JSON: ${(err as Error).message}`]);
  }
  return compilePolicy(input, source);
}
