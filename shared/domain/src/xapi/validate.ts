/**
 * xAPI 1.0.3 statement validation (Data §2.2–2.4, §4). Hand-written rather than a JSON Schema: the
 * cross-field rules (one IFI, revision/platform vs object type, voiding, interaction components,
 * score ranges) need code anyway, and a single pass over the object with a shared path stack
 * keeps the validator fast enough to sit in the stream's hot path.
 */
import type { Issue } from '../issues.js';
import { toPointer } from '../issues.js';
import { XAPI_ISSUE as C } from './codes.js';
import {
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

type Obj = Record<string, unknown>;
type Seg = string | number;

/** What the statement's `object` turned out to be; undefined when it could not be told. */
type ObjectKind = 'Activity' | 'Agent' | 'Group' | 'StatementRef' | 'SubStatement' | undefined;

/** The verb whose statements void another statement (Data §2.3.2). */
export const XAPI_VOIDED_VERB = 'http://adlnet.gov/expapi/verbs/voided';

/** Interaction types and the component lists each one may carry (Data §2.4.4.1, Interaction Activities). */
export const XAPI_INTERACTION_COMPONENTS: Readonly<Record<string, readonly string[]>> = {
  'true-false': [],
  choice: ['choices'],
  'fill-in': [],
  'long-fill-in': [],
  matching: ['source', 'target'],
  performance: ['steps'],
  sequencing: ['choices'],
  likert: ['scale'],
  numeric: [],
  other: [],
};

const COMPONENT_LISTS = ['choices', 'scale', 'source', 'target', 'steps'] as const;

const STATEMENT_KEYS = new Set([
  'id',
  'actor',
  'verb',
  'object',
  'result',
  'context',
  'timestamp',
  'stored',
  'authority',
  'version',
  'attachments',
]);
const SUBSTATEMENT_KEYS = new Set([
  'objectType',
  'actor',
  'verb',
  'object',
  'result',
  'context',
  'timestamp',
  'attachments',
]);
const SUBSTATEMENT_FORBIDDEN = new Set(['id', 'stored', 'version', 'authority']);
const AGENT_KEYS = new Set(['objectType', 'name', 'mbox', 'mbox_sha1sum', 'openid', 'account']);
const GROUP_KEYS = new Set(['objectType', 'name', 'member', 'mbox', 'mbox_sha1sum', 'openid', 'account']);
const ACCOUNT_KEYS = new Set(['homePage', 'name']);
const VERB_KEYS = new Set(['id', 'display']);
const ACTIVITY_KEYS = new Set(['objectType', 'id', 'definition']);
const DEFINITION_KEYS = new Set([
  'name',
  'description',
  'type',
  'moreInfo',
  'extensions',
  'interactionType',
  'correctResponsesPattern',
  'choices',
  'scale',
  'source',
  'target',
  'steps',
]);
const COMPONENT_KEYS = new Set(['id', 'description']);
const STATEMENT_REF_KEYS = new Set(['objectType', 'id']);
const RESULT_KEYS = new Set(['score', 'success', 'completion', 'response', 'duration', 'extensions']);
const SCORE_KEYS = new Set(['scaled', 'raw', 'min', 'max']);
const CONTEXT_KEYS = new Set([
  'registration',
  'instructor',
  'team',
  'contextActivities',
  'revision',
  'platform',
  'language',
  'statement',
  'extensions',
]);
const CONTEXT_ACTIVITIES_KEYS = new Set(['parent', 'grouping', 'category', 'other']);
const ATTACHMENT_KEYS = new Set([
  'usageType',
  'display',
  'description',
  'contentType',
  'length',
  'sha2',
  'fileUrl',
]);
const IFI_KEYS = ['mbox', 'mbox_sha1sum', 'openid', 'account'] as const;

/** Walk state: issues found so far and the path of the value being checked. */
interface Walk {
  issues: Issue[];
  path: Seg[];
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function report(w: Walk, code: string, message: string, key?: Seg, expected?: string, got?: string): void {
  let pointer: string;
  if (key === undefined) pointer = toPointer(w.path);
  else {
    w.path.push(key);
    pointer = toPointer(w.path);
    w.path.pop();
  }
  const issue: Issue = { code, message, pointer };
  if (expected !== undefined) issue.expected = expected;
  if (got !== undefined) issue.got = got;
  w.issues.push(issue);
}

/** Reports a wrong type; a null gets its own code because the spec singles it out. */
function reportType(w: Walk, key: Seg | undefined, expected: string, v: unknown): void {
  if (v === null) report(w, C.NULL, 'Null is not allowed outside extensions.', key, expected, 'null');
  else report(w, C.TYPE, `Expected ${expected}.`, key, expected, typeName(v));
}

function checkKeys(w: Walk, o: Obj, allowed: ReadonlySet<string>, what: string): void {
  for (const k in o) {
    if (!allowed.has(k)) report(w, C.UNKNOWN_PROPERTY, `Property not defined for ${what}.`, k);
  }
}

function required(w: Walk, key: string, what: string): void {
  report(w, C.REQUIRED, `${what} requires "${key}".`, key);
}

/** Checks an optional string property; returns it when it is a string, else undefined. */
function stringProp(w: Walk, o: Obj, key: string, isRequired: boolean, what: string): string | undefined {
  const v = o[key];
  if (v === undefined) {
    if (isRequired) required(w, key, what);
    return undefined;
  }
  if (typeof v !== 'string') {
    reportType(w, key, 'string', v);
    return undefined;
  }
  return v;
}

function iriProp(w: Walk, o: Obj, key: string, isRequired: boolean, what: string): string | undefined {
  const s = stringProp(w, o, key, isRequired, what);
  if (s !== undefined && !isXapiIri(s)) {
    report(w, C.IRI, 'Not an absolute IRI (a scheme is required).', key, 'IRI with scheme', 'string');
    return undefined;
  }
  return s;
}

function uuidProp(w: Walk, o: Obj, key: string, isRequired: boolean, what: string): string | undefined {
  const s = stringProp(w, o, key, isRequired, what);
  if (s !== undefined && !isXapiUuid(s)) {
    report(w, C.UUID, 'Not a UUID in standard string form.', key, 'UUID 8-4-4-4-12 hex', 'string');
    return undefined;
  }
  return s;
}

function timestampProp(w: Walk, o: Obj, key: string): void {
  const s = stringProp(w, o, key, false, '');
  if (s !== undefined && !isXapiTimestamp(s)) {
    report(w, C.TIMESTAMP, 'Not an ISO 8601 date and time.', key, 'ISO 8601 timestamp', 'string');
  }
}

function booleanProp(w: Walk, o: Obj, key: string): void {
  const v = o[key];
  if (v !== undefined && typeof v !== 'boolean') reportType(w, key, 'boolean', v);
}

function numberProp(w: Walk, o: Obj, key: string): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    reportType(w, key, 'number', v);
    return undefined;
  }
  return v;
}

function languageMap(w: Walk, o: Obj, key: string, isRequired: boolean, what: string): void {
  const v = o[key];
  if (v === undefined) {
    if (isRequired) required(w, key, what);
    return;
  }
  if (!isObj(v)) {
    reportType(w, key, 'language map (object)', v);
    return;
  }
  w.path.push(key);
  for (const tag in v) {
    if (!isXapiLanguageTag(tag)) {
      report(w, C.LANGUAGE_TAG, 'Language map key is not an RFC 5646 tag.', tag, 'RFC 5646 language tag');
    }
    const text = v[tag];
    if (typeof text !== 'string') reportType(w, tag, 'string', text);
  }
  w.path.pop();
}

function extensions(w: Walk, o: Obj, key: string): void {
  const v = o[key];
  if (v === undefined) return;
  if (!isObj(v)) {
    reportType(w, key, 'extensions object', v);
    return;
  }
  w.path.push(key);
  // Values are free-form JSON (null, "" and {} included, Data §4.1); only keys are constrained.
  for (const k in v) {
    if (!isXapiIri(k)) report(w, C.IRI, 'Extension key is not an absolute IRI.', k, 'IRI with scheme');
  }
  w.path.pop();
}

// ---------------------------------------------------------------------------------------------
// Agents and Groups (Data §2.4.2)

function account(w: Walk, v: unknown): void {
  if (!isObj(v)) {
    reportType(w, undefined, 'account object', v);
    return;
  }
  checkKeys(w, v, ACCOUNT_KEYS, 'an Account');
  iriProp(w, v, 'homePage', true, 'An Account');
  stringProp(w, v, 'name', true, 'An Account');
}

/** Validates the IFI properties present and returns how many there are. */
function ifis(w: Walk, o: Obj): number {
  let count = 0;
  for (const key of IFI_KEYS) {
    const v = o[key];
    if (v === undefined) continue;
    count++;
    if (key === 'account') {
      w.path.push(key);
      account(w, v);
      w.path.pop();
      continue;
    }
    if (typeof v !== 'string') {
      reportType(w, key, 'string', v);
      continue;
    }
    if (key === 'mbox') {
      if (!isXapiMailto(v))
        report(w, C.MAILTO, 'mbox must be "mailto:" and one email address.', key, 'mailto IRI');
    } else if (key === 'mbox_sha1sum') {
      if (!isXapiSha1Hex(v)) report(w, C.SHA1, 'mbox_sha1sum must be 40 hex digits.', key, 'SHA-1 hex');
    } else if (!isXapiIri(v)) {
      report(w, C.IRI, 'openid must be an absolute URI.', key, 'URI with scheme');
    }
  }
  return count;
}

function agentBody(w: Walk, a: Obj): void {
  checkKeys(w, a, AGENT_KEYS, 'an Agent');
  stringProp(w, a, 'name', false, 'An Agent');
  const n = ifis(w, a);
  if (n !== 1) {
    report(
      w,
      C.IFI_COUNT,
      'An Agent needs exactly one of mbox, mbox_sha1sum, openid, account.',
      undefined,
      '1',
      String(n),
    );
  }
}

interface GroupShape {
  anonymous: boolean;
  /** Number of members when `member` is an array, else -1. */
  members: number;
}

function groupBody(w: Walk, g: Obj): GroupShape {
  checkKeys(w, g, GROUP_KEYS, 'a Group');
  stringProp(w, g, 'name', false, 'A Group');
  const n = ifis(w, g);
  if (n > 1) {
    report(w, C.IFI_COUNT, 'An identified Group needs exactly one IFI.', undefined, '0 or 1', String(n));
  }
  const member = g.member;
  let members = -1;
  if (member === undefined) {
    if (n === 0) report(w, C.GROUP_MEMBER, 'An anonymous Group must list its members.', 'member');
  } else if (!Array.isArray(member)) {
    reportType(w, 'member', 'array of Agents', member);
  } else {
    members = member.length;
    if (n === 0 && members === 0) {
      report(w, C.GROUP_MEMBER, 'An anonymous Group must list at least one member.', 'member');
    }
    w.path.push('member');
    for (let i = 0; i < member.length; i++) {
      const m: unknown = member[i];
      w.path.push(i);
      if (!isObj(m)) reportType(w, undefined, 'Agent object', m);
      else {
        const t = m.objectType;
        if (t === undefined || t === 'Agent') agentBody(w, m);
        else if (t === 'Group')
          report(w, C.GROUP_MEMBER, 'Group members must be Agents, not Groups.', 'objectType');
        else if (typeof t !== 'string') reportType(w, 'objectType', 'string', t);
        else report(w, C.OBJECT_TYPE, 'A Group member must be an Agent.', 'objectType', 'Agent');
      }
      w.path.pop();
    }
    w.path.pop();
  }
  return { anonymous: n === 0, members };
}

/**
 * Validates an Agent or Group at the current path (already pushed). `objectType` may be omitted for an
 * Agent unless `needObjectType`. Returns the kind, or undefined if it could not be determined.
 */
function agentOrGroup(
  w: Walk,
  v: unknown,
  needObjectType: boolean,
): { kind: 'Agent' | 'Group'; group?: GroupShape } | undefined {
  if (!isObj(v)) {
    reportType(w, undefined, 'Agent or Group object', v);
    return undefined;
  }
  const t = v.objectType;
  if (t === undefined) {
    if (needObjectType) {
      report(w, C.REQUIRED, 'An Agent or Group used as object must state its objectType.', 'objectType');
      return undefined;
    }
    agentBody(w, v);
    return { kind: 'Agent' };
  }
  if (t === 'Agent') {
    agentBody(w, v);
    return { kind: 'Agent' };
  }
  if (t === 'Group') return { kind: 'Group', group: groupBody(w, v) };
  if (typeof t !== 'string') reportType(w, 'objectType', 'string', t);
  else report(w, C.OBJECT_TYPE, 'objectType must be "Agent" or "Group" here.', 'objectType', 'Agent | Group');
  return undefined;
}

function actorProp(w: Walk, o: Obj, key: string, isRequired: boolean, what: string): void {
  const v = o[key];
  if (v === undefined) {
    if (isRequired) required(w, key, what);
    return;
  }
  w.path.push(key);
  agentOrGroup(w, v, false);
  w.path.pop();
}

// ---------------------------------------------------------------------------------------------
// Verb, Activity, StatementRef (Data §2.4.3, §2.4.4)

function verb(w: Walk, v: unknown): string | undefined {
  if (!isObj(v)) {
    reportType(w, undefined, 'Verb object', v);
    return undefined;
  }
  checkKeys(w, v, VERB_KEYS, 'a Verb');
  const id = iriProp(w, v, 'id', true, 'A Verb');
  languageMap(w, v, 'display', false, 'A Verb');
  return id;
}

function interactionComponents(w: Walk, d: Obj, key: string): void {
  const list = d[key];
  if (!Array.isArray(list)) {
    reportType(w, key, 'array of interaction components', list);
    return;
  }
  w.path.push(key);
  const seen = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    const c: unknown = list[i];
    w.path.push(i);
    if (!isObj(c)) reportType(w, undefined, 'interaction component object', c);
    else {
      checkKeys(w, c, COMPONENT_KEYS, 'an interaction component');
      const id = stringProp(w, c, 'id', true, 'An interaction component');
      if (id !== undefined) {
        if (seen.has(id)) report(w, C.INTERACTION, 'Interaction component ids must be distinct.', 'id');
        seen.add(id);
      }
      languageMap(w, c, 'description', false, 'An interaction component');
    }
    w.path.pop();
  }
  w.path.pop();
}

function definition(w: Walk, d: Obj): void {
  checkKeys(w, d, DEFINITION_KEYS, 'an Activity Definition');
  languageMap(w, d, 'name', false, 'An Activity Definition');
  languageMap(w, d, 'description', false, 'An Activity Definition');
  iriProp(w, d, 'type', false, 'An Activity Definition');
  iriProp(w, d, 'moreInfo', false, 'An Activity Definition');
  extensions(w, d, 'extensions');
  const it = d.interactionType;
  let allowed: readonly string[] | undefined;
  if (it !== undefined) {
    if (typeof it !== 'string') reportType(w, 'interactionType', 'string', it);
    else {
      allowed = XAPI_INTERACTION_COMPONENTS[it];
      if (allowed === undefined || !Object.hasOwn(XAPI_INTERACTION_COMPONENTS, it)) {
        allowed = undefined;
        report(
          w,
          C.ENUM,
          'Unknown interactionType (values are case-sensitive).',
          'interactionType',
          'true-false | choice | fill-in | long-fill-in | matching | performance | sequencing | likert | numeric | other',
        );
      }
    }
  }
  const crp = d.correctResponsesPattern;
  if (crp !== undefined) {
    if (it === undefined) {
      report(w, C.INTERACTION, 'correctResponsesPattern requires interactionType.', 'interactionType');
    }
    if (!Array.isArray(crp)) reportType(w, 'correctResponsesPattern', 'array of strings', crp);
    else {
      w.path.push('correctResponsesPattern');
      for (let i = 0; i < crp.length; i++) {
        const s: unknown = crp[i];
        if (typeof s !== 'string') reportType(w, i, 'string', s);
      }
      w.path.pop();
    }
  }
  for (const key of COMPONENT_LISTS) {
    if (d[key] === undefined) continue;
    if (it === undefined) {
      report(w, C.INTERACTION, `${key} requires interactionType.`, 'interactionType');
    } else if (allowed !== undefined && !allowed.includes(key)) {
      report(
        w,
        C.INTERACTION,
        `${key} is not allowed for this interactionType.`,
        key,
        allowed.join(' | ') || 'none',
      );
    }
    interactionComponents(w, d, key);
  }
}

/** Validates an Activity at the current path; `objectType` may be absent or "Activity". */
function activity(w: Walk, a: Obj): void {
  checkKeys(w, a, ACTIVITY_KEYS, 'an Activity');
  iriProp(w, a, 'id', true, 'An Activity');
  const d = a.definition;
  if (d !== undefined) {
    if (!isObj(d)) reportType(w, 'definition', 'Activity Definition object', d);
    else {
      w.path.push('definition');
      definition(w, d);
      w.path.pop();
    }
  }
}

function statementRef(w: Walk, r: Obj): void {
  checkKeys(w, r, STATEMENT_REF_KEYS, 'a StatementRef');
  uuidProp(w, r, 'id', true, 'A StatementRef');
}

/** A property holding a StatementRef whose `objectType` must say so (context.statement). */
function statementRefProp(w: Walk, o: Obj, key: string): void {
  const v = o[key];
  if (v === undefined) return;
  w.path.push(key);
  if (!isObj(v)) reportType(w, undefined, 'StatementRef object', v);
  else {
    if (v.objectType === undefined) required(w, 'objectType', 'A StatementRef');
    else if (v.objectType !== 'StatementRef') {
      if (typeof v.objectType !== 'string') reportType(w, 'objectType', 'string', v.objectType);
      else report(w, C.OBJECT_TYPE, 'objectType must be "StatementRef" here.', 'objectType', 'StatementRef');
    }
    statementRef(w, v);
  }
  w.path.pop();
}

/** The statement's `object` (or a SubStatement's). Path already pushed. */
function statementObject(w: Walk, o: unknown, inSub: boolean): ObjectKind {
  if (!isObj(o)) {
    reportType(w, undefined, 'object (Activity, Agent, Group, StatementRef or SubStatement)', o);
    return undefined;
  }
  const t = o.objectType;
  if (t === undefined) {
    // No objectType means Activity, but an object shaped like an Agent/Group is far more likely a
    // missing objectType (Data §2.4.4.2) than an Activity without id: say that instead.
    if (o.id === undefined && (o.member !== undefined || IFI_KEYS.some((k) => o[k] !== undefined))) {
      report(w, C.REQUIRED, 'An Agent or Group used as object must state its objectType.', 'objectType');
      return undefined;
    }
    activity(w, o);
    return 'Activity';
  }
  switch (t) {
    case 'Activity':
      activity(w, o);
      return 'Activity';
    case 'Agent':
    case 'Group':
      return agentOrGroup(w, o, true)?.kind;
    case 'StatementRef':
      statementRef(w, o);
      return 'StatementRef';
    case 'SubStatement':
      if (inSub) {
        report(w, C.SUBSTATEMENT_NESTED, 'A SubStatement cannot contain a SubStatement.', 'objectType');
        return undefined;
      }
      statementBody(w, o, true);
      return 'SubStatement';
    default:
      if (typeof t !== 'string') reportType(w, 'objectType', 'string', t);
      else {
        report(
          w,
          C.OBJECT_TYPE,
          'Unknown objectType for an object (values are case-sensitive).',
          'objectType',
          'Activity | Agent | Group | StatementRef | SubStatement',
        );
      }
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Result, Context, Attachments (Data §2.4.5, §2.4.6, §2.4.11)

function score(w: Walk, s: Obj): void {
  checkKeys(w, s, SCORE_KEYS, 'a Score');
  const scaled = numberProp(w, s, 'scaled');
  const raw = numberProp(w, s, 'raw');
  const min = numberProp(w, s, 'min');
  const max = numberProp(w, s, 'max');
  if (scaled !== undefined && (scaled < -1 || scaled > 1)) {
    report(w, C.SCORE_RANGE, 'scaled must lie in [-1, 1].', 'scaled', '-1 <= scaled <= 1');
  }
  if (min !== undefined && max !== undefined && !(min < max)) {
    report(w, C.SCORE_RANGE, 'min must be less than max.', 'min', 'min < max');
  }
  if (raw !== undefined) {
    if (min !== undefined && raw < min)
      report(w, C.SCORE_RANGE, 'raw must not be below min.', 'raw', 'raw >= min');
    if (max !== undefined && raw > max)
      report(w, C.SCORE_RANGE, 'raw must not exceed max.', 'raw', 'raw <= max');
  }
}

function result(w: Walk, r: Obj): void {
  checkKeys(w, r, RESULT_KEYS, 'a Result');
  const s = r.score;
  if (s !== undefined) {
    if (!isObj(s)) reportType(w, 'score', 'Score object', s);
    else {
      w.path.push('score');
      score(w, s);
      w.path.pop();
    }
  }
  booleanProp(w, r, 'success');
  booleanProp(w, r, 'completion');
  stringProp(w, r, 'response', false, '');
  const d = stringProp(w, r, 'duration', false, '');
  if (d !== undefined && !isXapiDuration(d)) {
    report(
      w,
      C.DURATION,
      'Not an ISO 8601 duration.',
      'duration',
      'ISO 8601 duration (PnYnMnDTnHnMnS or PnW)',
      'string',
    );
  }
  extensions(w, r, 'extensions');
}

function contextActivityList(w: Walk, v: unknown): void {
  // A single Activity object is allowed; the LRS normalises it to an array (Data §2.4.6.2).
  const list: unknown[] = Array.isArray(v) ? v : [v];
  const single = !Array.isArray(v);
  for (let i = 0; i < list.length; i++) {
    const a = list[i];
    if (!single) w.path.push(i);
    if (!isObj(a)) reportType(w, undefined, 'Activity object', a);
    else {
      const t = a.objectType;
      if (t !== undefined && t !== 'Activity') {
        if (typeof t !== 'string') reportType(w, 'objectType', 'string', t);
        else report(w, C.OBJECT_TYPE, 'Context activities must be Activities.', 'objectType', 'Activity');
      } else activity(w, a);
    }
    if (!single) w.path.pop();
  }
}

function context(w: Walk, c: Obj, objectKind: ObjectKind): void {
  checkKeys(w, c, CONTEXT_KEYS, 'a Context');
  uuidProp(w, c, 'registration', false, '');
  actorProp(w, c, 'instructor', false, '');
  const team = c.team;
  if (team !== undefined) {
    w.path.push('team');
    if (isObj(team) && team.objectType !== 'Group') {
      if (team.objectType === undefined) required(w, 'objectType', 'A team (a Group)');
      else if (typeof team.objectType !== 'string') reportType(w, 'objectType', 'string', team.objectType);
      else report(w, C.OBJECT_TYPE, 'team must be a Group.', 'objectType', 'Group');
    } else agentOrGroup(w, team, true);
    w.path.pop();
  }
  const ca = c.contextActivities;
  if (ca !== undefined) {
    if (!isObj(ca)) reportType(w, 'contextActivities', 'object', ca);
    else {
      w.path.push('contextActivities');
      checkKeys(w, ca, CONTEXT_ACTIVITIES_KEYS, 'contextActivities');
      for (const key in ca) {
        if (!CONTEXT_ACTIVITIES_KEYS.has(key)) continue;
        w.path.push(key);
        contextActivityList(w, ca[key]);
        w.path.pop();
      }
      w.path.pop();
    }
  }
  for (const key of ['revision', 'platform']) {
    if (
      stringProp(w, c, key, false, '') !== undefined &&
      objectKind !== undefined &&
      objectKind !== 'Activity'
    ) {
      report(w, C.CONTEXT_NOT_ACTIVITY, `${key} is only allowed when the object is an Activity.`, key);
    }
  }
  const lang = stringProp(w, c, 'language', false, '');
  if (lang !== undefined && !isXapiLanguageTag(lang)) {
    report(
      w,
      C.LANGUAGE_TAG,
      'language is not an RFC 5646 tag.',
      'language',
      'RFC 5646 language tag',
      'string',
    );
  }
  statementRefProp(w, c, 'statement');
  extensions(w, c, 'extensions');
}

function attachment(w: Walk, a: Obj): void {
  checkKeys(w, a, ATTACHMENT_KEYS, 'an Attachment');
  iriProp(w, a, 'usageType', true, 'An Attachment');
  languageMap(w, a, 'display', true, 'An Attachment');
  languageMap(w, a, 'description', false, 'An Attachment');
  const ct = stringProp(w, a, 'contentType', true, 'An Attachment');
  if (ct !== undefined && !isXapiMediaType(ct)) {
    report(
      w,
      C.MEDIA_TYPE,
      'contentType is not an Internet media type.',
      'contentType',
      'type/subtype',
      'string',
    );
  }
  const len = a.length;
  if (len === undefined) required(w, 'length', 'An Attachment');
  else if (typeof len !== 'number' || !Number.isInteger(len) || len < 0) {
    reportType(w, 'length', 'non-negative integer', len);
  }
  const sha2 = stringProp(w, a, 'sha2', true, 'An Attachment');
  if (sha2 !== undefined && !isXapiSha2Hex(sha2)) {
    report(w, C.SHA2, 'sha2 is not a hex SHA-2 digest.', 'sha2', 'hex SHA-2', 'string');
  }
  iriProp(w, a, 'fileUrl', false, '');
}

function attachments(w: Walk, s: Obj): void {
  const v = s.attachments;
  if (v === undefined) return;
  if (!Array.isArray(v)) {
    reportType(w, 'attachments', 'array of Attachments', v);
    return;
  }
  w.path.push('attachments');
  for (let i = 0; i < v.length; i++) {
    const a: unknown = v[i];
    w.path.push(i);
    if (!isObj(a)) reportType(w, undefined, 'Attachment object', a);
    else attachment(w, a);
    w.path.pop();
  }
  w.path.pop();
}

function authority(w: Walk, v: unknown): void {
  const r = agentOrGroup(w, v, false);
  if (r?.kind === 'Group' && r.group !== undefined && (!r.group.anonymous || r.group.members !== 2)) {
    // Only 3-legged OAuth yields a Group authority: an anonymous pair of consumer and user (Data §2.4.9).
    report(
      w,
      C.AUTHORITY,
      'A Group authority must be an anonymous Group of exactly two Agents.',
      undefined,
      'anonymous Group, 2 members',
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Statement and SubStatement (Data §2.4, §2.4.4.3)

function statementBody(w: Walk, s: Obj, sub: boolean): void {
  if (sub) {
    for (const k in s) {
      if (SUBSTATEMENT_FORBIDDEN.has(k)) {
        report(w, C.FORBIDDEN_PROPERTY, `A SubStatement cannot have "${k}".`, k);
      } else if (!SUBSTATEMENT_KEYS.has(k)) {
        report(w, C.UNKNOWN_PROPERTY, 'Property not defined for a SubStatement.', k);
      }
    }
  } else {
    checkKeys(w, s, STATEMENT_KEYS, 'a Statement');
    uuidProp(w, s, 'id', false, '');
  }
  const what = sub ? 'A SubStatement' : 'A Statement';
  actorProp(w, s, 'actor', true, what);

  let verbId: string | undefined;
  if (s.verb === undefined) required(w, 'verb', what);
  else {
    w.path.push('verb');
    verbId = verb(w, s.verb);
    w.path.pop();
  }

  let kind: ObjectKind;
  if (s.object === undefined) required(w, 'object', what);
  else {
    w.path.push('object');
    kind = statementObject(w, s.object, sub);
    w.path.pop();
  }

  const r = s.result;
  if (r !== undefined) {
    if (!isObj(r)) reportType(w, 'result', 'Result object', r);
    else {
      w.path.push('result');
      result(w, r);
      w.path.pop();
    }
  }
  const c = s.context;
  if (c !== undefined) {
    if (!isObj(c)) reportType(w, 'context', 'Context object', c);
    else {
      w.path.push('context');
      context(w, c, kind);
      w.path.pop();
    }
  }
  timestampProp(w, s, 'timestamp');
  attachments(w, s);
  if (sub) return;

  timestampProp(w, s, 'stored');
  if (s.authority !== undefined) {
    w.path.push('authority');
    authority(w, s.authority);
    w.path.pop();
  }
  const version = stringProp(w, s, 'version', false, '');
  if (version !== undefined && !isXapiVersion(version)) {
    report(w, C.VERSION, 'version must be 1.0 or 1.0.x.', 'version', '1.0.x', 'string');
  }
  if (verbId === XAPI_VOIDED_VERB && s.object !== undefined && kind !== 'StatementRef') {
    report(w, C.VOIDING, 'A voiding statement must have a StatementRef object.', 'object', 'StatementRef');
  }
}

function validateAt(stmt: unknown, prefix: Seg[]): Issue[] {
  const w: Walk = { issues: [], path: prefix };
  if (!isObj(stmt)) reportType(w, undefined, 'statement object', stmt);
  else statementBody(w, stmt, false);
  return w.issues;
}

/**
 * Validates one xAPI 1.0.3 statement. Returns every problem found (empty array: valid). Pointers are
 * relative to the statement. Never throws, whatever the input.
 */
export function validateXapiStatement(stmt: unknown): Issue[] {
  return validateAt(stmt, []);
}

/** True when {@link validateXapiStatement} finds nothing. */
export function isValidXapiStatement(stmt: unknown): boolean {
  return validateAt(stmt, []).length === 0;
}

/** Issues of one statement of a batch. */
export interface XapiStatementResult {
  /** Position in the input array (0 for a single statement). */
  index: number;
  /** Problems of that statement; pointers include the `/index` prefix when the input was an array. */
  issues: Issue[];
}

/**
 * Validates what a client POSTs to /statements: one statement or an array of them. Returns one entry
 * per statement, in input order. A batch is acceptable only if every entry has no issues (the LRS
 * rejects the whole batch otherwise); statement ids repeated within a batch are reported on the
 * later statement.
 */
export function validateXapiStatements(input: unknown): XapiStatementResult[] {
  if (!Array.isArray(input)) return [{ index: 0, issues: validateAt(input, []) }];
  const out: XapiStatementResult[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < input.length; i++) {
    const stmt: unknown = input[i];
    const issues = validateAt(stmt, [i]);
    if (isObj(stmt) && typeof stmt.id === 'string' && isXapiUuid(stmt.id)) {
      const id = stmt.id.toLowerCase();
      const first = seen.get(id);
      if (first !== undefined) {
        issues.push({
          code: C.BATCH_DUPLICATE_ID,
          message: `Statement id already used by statement ${first} of this batch.`,
          pointer: toPointer([i, 'id']),
        });
      } else seen.set(id, i);
    }
    out.push({ index: i, issues });
  }
  return out;
}

/** True when every statement of {@link validateXapiStatements}'s result is valid. */
export function isXapiBatchValid(results: readonly XapiStatementResult[]): boolean {
  return results.every((r) => r.issues.length === 0);
}
