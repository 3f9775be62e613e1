// Applies a privacy policy to one xAPI statement. The walk follows the xAPI structure, so every
// agent (actor, authority, instructor, team, members, agents as objects, SubStatements) is found
// wherever the specification allows one. In strict mode each object is rebuilt from the
// properties the policy knows; anything else is dropped and counted, never passed through.
import { randomBytes } from 'node:crypto';
import type { AccountLinks } from './links.js';
import type { PrivacyPolicy } from './policy.js';
import {
  PSEUDONYM_HOMEPAGE,
  agentIfi,
  keyedHash,
  keyedUuid,
  pseudonymOf,
  type PseudonymKey,
} from './pseudonymize.js';
import {
  createScrubber,
  generaliseLanguage,
  userAgentFamily,
  type TextReport,
  type TextScrubber,
} from './text.js';
import { cleanCourseId, generaliseUrl, vocabularyIri } from './urls.js';

type Json = Record<string, unknown>;

/** Why a field was removed: a bounded set (metric label). */
export type DropReason =
  | 'unknown_property'
  | 'unknown_extension'
  | 'catalogued_drop'
  | 'agent'
  | 'agent_name'
  | 'registration'
  | 'session_id'
  | 'user_agent'
  | 'ip_address'
  | 'free_text'
  | 'user_text'
  | 'attachments'
  | 'text'
  | 'response'
  | 'measure';

export interface PrivacyReport {
  dropped: Partial<Record<DropReason, number>>;
  /** Values replaced inside strings, by kind (email, ip, identity, course, url_query, url_path). */
  replaced: Record<string, number>;
}

export interface PolicyResult {
  statement: Json;
  /** Stable keyed pseudonym of the actor (message key, index field); null under `random`. */
  actorPseudonym: string | null;
  /** The course key as the policy publishes it (kept, or keyed). */
  courseId: string | null;
  report: PrivacyReport;
}

export interface PolicyContext {
  key: PseudonymKey;
  /** The record's course key (edX course id), replaced inside strings under courseKey=keyed-hash. */
  courseId?: string | null;
  /** Accounts the operator says are one person (see links.ts). */
  links?: AccountLinks;
}

// Interaction types whose responses are made of declared ids only (xAPI 1.0.3 §2.4.4.1.1); the
// response is kept only when every part of it is one of the ids the definition declares.
const CLOSED_INTERACTIONS: Record<string, { lists: string[]; separator: string | null }> = {
  'true-false': { lists: [], separator: null },
  choice: { lists: ['choices'], separator: null },
  sequencing: { lists: ['choices'], separator: null },
  likert: { lists: ['scale'], separator: null },
  matching: { lists: ['source', 'target'], separator: '[.]' },
};
const MIN_IDENTITY_LENGTH = 3;
const MIN_PART_LENGTH = 4;

/** The keyed id of a statement in the anonymized zone (per policy name, so presets never share). */
export function anonymizedStatementId(id: string, key: PseudonymKey, policyName: string): string {
  return keyedUuid(`statement:${policyName}`, id.trim().toLowerCase(), key);
}

/** The keyed id of the raw event a statement came from (anonymized zone; per policy name). */
export function anonymizedEventId(eventId: string, key: PseudonymKey, policyName: string): string {
  return keyedUuid(`event:${policyName}`, eventId, key);
}

/**
 * The origin of a record in the anonymized zone: the topic name (a constant) is kept, the
 * partition is -1 and the offset a keyed 48-bit number of the raw record's position, so that
 * only the key holder can point back at the raw payload.
 */
export function anonymizedOrigin(
  origin: { topic: string; partition: number; offset: number },
  key: PseudonymKey,
  policyName: string,
): { topic: string; partition: number; offset: number } {
  const h = keyedHash(`origin:${policyName}`, `${origin.topic}/${origin.partition}/${origin.offset}`, key);
  return { topic: origin.topic, partition: -1, offset: Number.parseInt(h.slice(0, 12), 16) };
}

/** True when every part of the response is a declared id of the interaction. */
function closedResponse(response: unknown, definition: Json): boolean {
  if (typeof response !== 'string') return false;
  const type = typeof definition.interactionType === 'string' ? definition.interactionType : '';
  const rule = CLOSED_INTERACTIONS[type];
  if (!rule) return false;
  if (type === 'true-false') return response === 'true' || response === 'false';
  const ids = new Set<string>();
  for (const list of rule.lists) {
    const items = definition[list];
    if (Array.isArray(items))
      for (const item of items) if (isObject(item) && typeof item.id === 'string') ids.add(item.id);
  }
  if (response === '') return true;
  return response
    .split('[,]')
    .flatMap((part) => (rule.separator ? part.split(rule.separator) : [part]))
    .every((part) => ids.has(part));
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Strings that identify this statement's agents, to be replaced wherever else they appear. */
function identitiesOf(statement: Json): string[] {
  const out: string[] = [];
  const add = (s: unknown, parts = false) => {
    if (typeof s !== 'string') return;
    const t = s.trim().normalize('NFC');
    if (t.length >= MIN_IDENTITY_LENGTH) out.push(t);
    // Parts of compound names and accounts (García-Márquez, jean.dupont, jdoe_1987).
    if (parts) for (const p of t.split(/[\s._\-'’+]+/u)) if (p.length >= MIN_PART_LENGTH) out.push(p);
  };
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (!isObject(v)) return;
    if (v.objectType === 'Agent' || v.objectType === 'Group' || 'mbox' in v || 'account' in v) {
      add(v.name, true);
      if (typeof v.mbox === 'string') {
        const address = v.mbox.replace(/^mailto:/i, '');
        add(address);
        add(address.split('@')[0], true);
      }
      add(v.mbox_sha1sum);
      add(v.openid);
      if (isObject(v.account)) add(v.account.name, true);
    }
    for (const child of Object.values(v)) visit(child);
  };
  visit(statement);
  return out;
}

function courseTokens(courseId: string | null | undefined, policy: PrivacyPolicy, key: PseudonymKey) {
  const tokens = new Map<string, string>();
  if (!courseId || policy.rules.courseKey !== 'keyed-hash') return tokens;
  const hashed = `course-${keyedHash('course', courseId, key)}`;
  tokens.set(courseId, hashed);
  // Block keys embed the course key's body (block-v1:ORG+COURSE+RUN+type@...).
  const body = courseId.split(':')[1];
  if (body && body.length >= MIN_IDENTITY_LENGTH) tokens.set(body, hashed);
  return tokens;
}

/**
 * The published form of a course under the policy, wherever it appears (Avro field, index field,
 * open-data column): a course key as is, a course IRI cleaned like any URL, or keyed.
 */
export function publishedCourseId(
  courseId: string | null | undefined,
  policy: PrivacyPolicy,
  key: PseudonymKey,
): string | null {
  if (courseId === null || courseId === undefined) return null;
  return policy.rules.courseKey === 'keyed-hash'
    ? `course-${keyedHash('course', courseId, key)}`
    : cleanCourseId(courseId, key);
}

/** The policy's time unit in ms when timestamps are generalised, else null (times kept exact). */
export function timeGranularityMs(policy: PrivacyPolicy): number | null {
  if (policy.rules.timestamp !== 'generalise') return null;
  return policy.generalise.timestampUnit === 'day' ? 86_400_000 : 3_600_000;
}

/** Epoch ms truncated to the policy's unit when timestamps are generalised. */
export function coarsenTime(ms: number, policy: PrivacyPolicy): number {
  const unit = timeGranularityMs(policy);
  return unit === null ? ms : Math.floor(ms / unit) * unit;
}

/** Times are always written in UTC (a zone offset such as +05:45 locates the learner). */
function coarsenIso(value: unknown, policy: PrivacyPolicy): unknown {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(coarsenTime(ms, policy)).toISOString() : undefined;
}

class Walker {
  readonly report: PrivacyReport = { dropped: {}, replaced: {} };
  private readonly text: TextReport = {
    email: 0,
    ip: 0,
    identity: 0,
    course: 0,
    url: { query: 0, hashedPaths: 0 },
  };
  private readonly scrubber: TextScrubber;
  private readonly rules: PrivacyPolicy['rules'];

  constructor(
    private readonly policy: PrivacyPolicy,
    private readonly key: PseudonymKey,
    statement: Json,
    courseId: string | null | undefined,
    private readonly links?: AccountLinks,
  ) {
    this.rules = policy.rules;
    this.scrubber = createScrubber({
      personal: this.rules.personalDataInText === 'generalise',
      urls: this.rules.url === 'generalise',
      key,
      identities: identitiesOf(statement),
      courses: courseTokens(courseId, policy, key),
      report: this.text,
    });
  }

  finish(): PrivacyReport {
    const t = this.text;
    const replaced: Record<string, number> = {
      email: t.email,
      ip: t.ip,
      identity: t.identity,
      course: t.course,
      url_query: t.url.query,
      url_path: t.url.hashedPaths,
    };
    for (const [k, v] of Object.entries(replaced)) if (v > 0) this.report.replaced[k] = v;
    return this.report;
  }

  drop(reason: DropReason, n = 1): undefined {
    this.report.dropped[reason] = (this.report.dropped[reason] ?? 0) + n;
    return undefined;
  }

  /** Copies the known properties with their handlers; the others are dropped (strict) or scrubbed. */
  private pick(source: Json, handlers: Record<string, (v: unknown) => unknown>): Json {
    const out: Json = {};
    for (const [name, value] of Object.entries(source)) {
      const handler = handlers[name];
      if (handler) {
        const v = handler(value);
        if (v !== undefined) out[name] = v;
      } else if (this.policy.strict) this.drop('unknown_property');
      else out[this.str(name)] = this.any(value);
    }
    return out;
  }

  str = (v: string): string => this.scrubber.scrub(v);

  /** Any JSON value: strings scrubbed, structure kept. */
  any = (v: unknown): unknown => {
    if (typeof v === 'string') return this.str(v);
    if (Array.isArray(v)) return v.map(this.any);
    if (isObject(v)) {
      const out: Json = {};
      for (const [k, x] of Object.entries(v)) out[this.str(k)] = this.any(x);
      return out;
    }
    return v;
  };

  keep = (v: unknown): unknown => v;

  url = (v: unknown): unknown =>
    typeof v === 'string' && this.rules.url === 'generalise'
      ? this.scrubber.scrub(generaliseUrl(v, this.key, this.text.url), false)
      : this.any(v);

  /** Verb ids and activity types: a named vocabulary namespace, else reduced like a URL. */
  vocabulary = (v: unknown): unknown =>
    typeof v === 'string' && this.rules.url === 'generalise'
      ? this.scrubber.scrub(
          vocabularyIri(v, this.policy.vocabularyNamespaces, this.key, this.text.url),
          false,
        )
      : this.any(v);

  /** Free text: dropped unless the policy names the field (then scrubbed). */
  freeText(field: string): (v: unknown) => unknown {
    return (v) => (this.policy.keepTextSet.has(field) ? this.any(v) : this.drop('text'));
  }

  statementId = (v: unknown): unknown =>
    typeof v === 'string' ? anonymizedStatementId(v, this.key, this.policy.name) : undefined;

  language = (v: unknown): unknown => generaliseLanguage(v);

  /** Interaction components (choices, scale, source, target, steps): ids, and named text. */
  components = (v: unknown): unknown =>
    Array.isArray(v)
      ? v
          .filter(isObject)
          .map((c) => this.pick(c, { id: this.any, description: this.freeText('interaction.description') }))
      : undefined;

  agent(v: unknown, role: 'actor' | 'other'): Json | undefined {
    if (!isObject(v)) return undefined;
    const rule = role === 'actor' ? this.rules.actor : this.rules.agents;
    if (rule === 'drop') return this.drop('agent');
    const out: Json = {};
    if (v.objectType === 'Agent' || v.objectType === 'Group') out.objectType = v.objectType;
    if (v.name !== undefined) {
      if (this.rules.agentName === 'keep') out.name = v.name;
      else this.drop('agent_name');
    }
    const ifi = agentIfi(v, this.links);
    if (ifi !== undefined) {
      const name = rule === 'keyed-hash' ? pseudonymOf(ifi, this.key) : randomBytes(16).toString('hex');
      out.account = { homePage: PSEUDONYM_HOMEPAGE, name };
    }
    if (Array.isArray(v.member)) {
      const members = v.member
        .map((m) => this.agent(m, role === 'actor' ? 'actor' : 'other'))
        .filter((m): m is Json => m !== undefined);
      if (members.length > 0) out.member = members;
    }
    if (this.policy.strict) {
      const known = new Set(['objectType', 'name', 'mbox', 'mbox_sha1sum', 'openid', 'account', 'member']);
      for (const k of Object.keys(v)) if (!known.has(k)) this.drop('unknown_property');
    }
    return out;
  }

  /**
   * A measure is a number, a boolean, or a short token (ISO durations, played segments "0[.]5",
   * sizes "1080x960", versions): no whitespace, and no run of 7+ digits (a phone or student
   * number typed where a number belongs). Anything else was typed by someone: dropped.
   */
  measure = (v: unknown): unknown => {
    if (typeof v === 'number' || typeof v === 'boolean') return v;
    if (typeof v === 'string')
      return /^[A-Za-z0-9@._:[\],+-]{1,64}$/.test(v) && !/[0-9]{7}/.test(v)
        ? this.any(v)
        : this.drop('measure');
    if (Array.isArray(v)) return v.map(this.measure).filter((x) => x !== undefined);
    if (isObject(v)) {
      const out: Json = {};
      for (const [k, x] of Object.entries(v)) {
        const kept = /^[A-Za-z0-9_.-]{1,40}$/.test(k) ? this.measure(x) : this.drop('measure');
        if (kept !== undefined) out[k] = kept;
      }
      return out;
    }
    return this.drop('measure');
  };

  extensions = (v: unknown): unknown => {
    if (!isObject(v)) return this.any(v);
    const out: Json = {};
    for (const [iri, value] of Object.entries(v)) {
      const kind = this.policy.extensions[iri];
      let kept: unknown;
      switch (kind) {
        case undefined:
          kept = this.rules.unknownExtension === 'keep' ? this.any(value) : this.drop('unknown_extension');
          break;
        case 'measure':
          kept = this.measure(value);
          break;
        case 'language':
          kept = generaliseLanguage(value);
          break;
        case 'drop':
          kept = this.drop('catalogued_drop');
          break;
        case 'sessionId':
          kept =
            this.rules.sessionId === 'keyed-hash' && (typeof value === 'string' || typeof value === 'number')
              ? keyedHash('session', String(value), this.key)
              : this.drop('session_id');
          break;
        case 'userAgent':
          kept =
            this.rules.userAgent === 'generalise' && typeof value === 'string'
              ? userAgentFamily(value)
              : this.drop('user_agent');
          break;
        case 'ipAddress':
          kept = this.drop('ip_address');
          break;
        case 'url':
          kept = this.url(value);
          break;
        case 'userText':
          kept = this.rules.userText === 'keep' ? this.any(value) : this.drop('user_text');
          break;
      }
      if (kept !== undefined) out[iri] = kept;
    }
    return out;
  };

  definition = (v: unknown): unknown => {
    if (!isObject(v)) return undefined;
    const type = typeof v.type === 'string' ? v.type : undefined;
    const userText = type !== undefined && this.policy.userTextTypes.has(type);
    // Names and descriptions are free text: kept only when the policy names the field AND the
    // activity type (course-authored content), never for learner-written types.
    const keptType = type !== undefined && this.policy.keepTextTypes.has(type) && !userText;
    const text = (field: string) => (x: unknown) =>
      userText
        ? this.drop('user_text')
        : keptType && this.policy.keepTextSet.has(field)
          ? this.any(x)
          : this.drop('text');
    return this.pick(v, {
      type: this.vocabulary,
      interactionType: (x) => (typeof x === 'string' && /^[a-z-]{1,20}$/.test(x) ? x : undefined),
      moreInfo: this.url,
      name: text('definition.name'),
      description: text('definition.description'),
      correctResponsesPattern: (p) =>
        Array.isArray(p) && p.every((x) => closedResponse(x, v)) ? p : this.drop('response'),
      choices: this.components,
      scale: this.components,
      source: this.components,
      target: this.components,
      steps: this.components,
      extensions: this.extensions,
    });
  };

  activity = (v: unknown): unknown => {
    if (!isObject(v)) return undefined;
    return this.pick(v, { objectType: this.keep, id: this.url, definition: this.definition });
  };

  activities = (v: unknown): unknown => (Array.isArray(v) ? v.map(this.activity) : this.activity(v));

  object(v: unknown): unknown {
    if (!isObject(v)) return undefined;
    switch (v.objectType) {
      case 'Agent':
      case 'Group':
        // The object is required: an agent the policy drops becomes an unlinkable random one.
        return (
          this.agent(v, 'other') ?? {
            objectType: v.objectType,
            account: { homePage: PSEUDONYM_HOMEPAGE, name: randomBytes(16).toString('hex') },
          }
        );
      case 'StatementRef':
        return this.pick(v, { objectType: this.keep, id: this.statementId });
      case 'SubStatement':
        return this.body(v, true);
      default:
        return this.activity(v);
    }
  }

  result(v: unknown, object: unknown): unknown {
    if (!isObject(v)) return undefined;
    const definition = isObject(object) && isObject(object.definition) ? object.definition : {};
    return this.pick(v, {
      score: (s) =>
        isObject(s)
          ? this.pick(s, { scaled: this.keep, raw: this.keep, min: this.keep, max: this.keep })
          : undefined,
      success: this.keep,
      completion: this.keep,
      duration: this.keep,
      // Kept only when made of the definition's declared ids; any other response may be typed
      // text (numeric answers, "other, specify", edX numerical/option/choicetext responses).
      response: (r) =>
        this.rules.freeText === 'keep' || closedResponse(r, definition) ? r : this.drop('free_text'),
      extensions: this.extensions,
    });
  }

  context(v: unknown): unknown {
    if (!isObject(v)) return undefined;
    return this.pick(v, {
      registration: (r) => {
        if (this.rules.registration === 'keep') return r;
        if (this.rules.registration === 'keyed-hash' && typeof r === 'string')
          return keyedUuid('registration', r, this.key);
        return this.drop('registration');
      },
      instructor: (a) => this.agent(a, 'other'),
      team: (a) => this.agent(a, 'other'),
      contextActivities: (c) =>
        isObject(c)
          ? this.pick(c, {
              parent: this.activities,
              grouping: this.activities,
              category: this.activities,
              other: this.activities,
            })
          : undefined,
      revision: this.freeText('context.revision'),
      platform: this.freeText('context.platform'),
      language: this.language,
      statement: (s) =>
        isObject(s) ? this.pick(s, { objectType: this.keep, id: this.statementId }) : undefined,
      extensions: this.extensions,
    });
  }

  body(v: Json, sub: boolean): Json {
    const handlers: Record<string, (x: unknown) => unknown> = {
      objectType: this.keep,
      actor: (a) => this.agent(a, 'actor'),
      verb: (x) =>
        isObject(x)
          ? this.pick(x, { id: this.vocabulary, display: this.freeText('verb.display') })
          : undefined,
      object: (o) => this.object(o),
      result: (r) => this.result(r, v.object),
      context: (c) => this.context(c),
      timestamp: (t) => coarsenIso(t, this.policy),
      attachments: () => this.drop('attachments'),
    };
    if (!sub) {
      handlers.id = this.statementId;
      handlers.stored = (t) => coarsenIso(t, this.policy);
      // A closed form: xAPI version numbers only (any other string could carry anything).
      handlers.version = (x) => (typeof x === 'string' && /^\d+\.\d+(?:\.\d+)?$/.test(x) ? x : undefined);
      handlers.authority = (a) => this.agent(a, 'other');
    }
    return this.pick(v, handlers);
  }
}

/** Applies the policy to one statement. Pure apart from random identifiers under `random` rules. */
export function applyPrivacyPolicy(
  statement: Json,
  policy: PrivacyPolicy,
  context: PolicyContext,
): PolicyResult {
  const walker = new Walker(policy, context.key, statement, context.courseId, context.links);
  const clean = walker.body(statement, false);
  const actor = isObject(statement.actor) ? statement.actor : undefined;
  const ifi = actor ? agentIfi(actor, context.links) : undefined;
  return {
    statement: clean,
    actorPseudonym:
      policy.rules.actor === 'keyed-hash' && ifi !== undefined ? pseudonymOf(ifi, context.key) : null,
    courseId: publishedCourseId(context.courseId, policy, context.key),
    report: walker.finish(),
  };
}
