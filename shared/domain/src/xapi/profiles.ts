/**
 * Profile conformance: does a statement follow the template of the xAPI profile it belongs to? Kept
 * apart from base validity on purpose: a statement can be valid xAPI and still miss a profile's
 * required extension, and the stream treats the two differently (reject vs. flag).
 *
 * A profile applies to a statement when the statement names it (its IRI in
 * context.contextActivities.category) or when verb and object type match one of its templates (the
 * way Ralph's model selector recognises statements).
 */
import type { Issue } from '../issues.js';
import { toPointer } from '../issues.js';
import { XAPI_ISSUE_PROFILE as P } from './codes.js';
import { isXapiDuration, isXapiTimestamp, isXapiUuid } from './formats.js';
import type { XapiProfile, XapiStatementTemplate, XapiTemplateRule, XapiValueRule } from './profile-data.js';
import { XAPI_PROFILES, XAPI_PROFILE_ACTIVITY_TYPE } from './profile-data.js';

type Obj = Record<string, unknown>;

/** Conformance of one statement to one profile. */
export interface XapiProfileReport {
  /** Profile short name (`video`, `lms`, `navigation`, `virtual-classroom`). */
  profile: string;
  /** Id of the template the statement was checked against; absent when none could be chosen. */
  template?: string;
  /** Ralph model of that template, when there is one. */
  ralphModel?: string;
  /** Broken MUST-level rules (missing required property, wrong value, missing category...). */
  issues: Issue[];
  /** Missing `recommended` properties. */
  warnings: Issue[];
}

export interface XapiProfileOptions {
  /** Restrict the check to these profile names (default: all known profiles). */
  profiles?: readonly string[];
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function at(root: unknown, path: readonly string[]): unknown {
  let v: unknown = root;
  for (const seg of path) {
    if (!isObj(v)) return undefined;
    v = v[seg];
  }
  return v;
}

function issue(
  code: string,
  message: string,
  path: readonly (string | number)[],
  expected?: string,
  got?: string,
): Issue {
  const i: Issue = { code, message, pointer: toPointer(path) };
  if (expected !== undefined) i.expected = expected;
  if (got !== undefined) i.got = got;
  return i;
}

/** Activities of a contextActivities entry, which may be one object or an array. */
function activities(v: unknown): Obj[] {
  if (Array.isArray(v)) return v.filter(isObj);
  return isObj(v) ? [v] : [];
}

function activityType(a: unknown): unknown {
  return at(a, ['definition', 'type']);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

const PATTERNS = new Map<string, RegExp>();

function compiled(pattern: string): RegExp {
  let re = PATTERNS.get(pattern);
  if (re === undefined) {
    re = new RegExp(pattern);
    PATTERNS.set(pattern, re);
  }
  return re;
}

/** Checks a present value; returns what was expected when it does not fit, else undefined. */
function valueProblem(rule: XapiValueRule, v: unknown): string | undefined {
  switch (rule.kind) {
    case 'number': {
      const want = rule.integer ? 'integer' : 'number';
      if (typeof v !== 'number' || (rule.integer && !Number.isInteger(v))) return want;
      if (rule.min !== undefined && v < rule.min) return `${want} >= ${rule.min}`;
      if (rule.positive && v <= 0) return `${want} > 0`;
      return undefined;
    }
    case 'boolean':
      return typeof v === 'boolean' ? undefined : 'boolean';
    case 'string':
      if (typeof v !== 'string') return 'string';
      if (rule.nonEmpty && v.length === 0) return 'non-empty string';
      if (rule.oneOf !== undefined && !rule.oneOf.includes(v)) return rule.oneOf.join(' | ');
      if (rule.pattern !== undefined && !compiled(rule.pattern).test(v))
        return `string matching ${rule.pattern}`;
      return undefined;
    case 'uuid':
      return typeof v === 'string' && isXapiUuid(v) ? undefined : 'UUID';
    case 'timestamp':
      return typeof v === 'string' && isXapiTimestamp(v) ? undefined : 'ISO 8601 timestamp';
    case 'duration':
      return typeof v === 'string' && isXapiDuration(v) ? undefined : 'ISO 8601 duration';
    case 'const':
      return v === rule.value ? undefined : JSON.stringify(rule.value);
  }
}

function checkRule(stmt: Obj, rule: XapiTemplateRule, report: XapiProfileReport): void {
  let found: readonly string[] | undefined;
  let value: unknown;
  for (const loc of rule.location) {
    value = at(stmt, loc);
    if (value !== undefined) {
      found = loc;
      break;
    }
  }
  const first = rule.location[0] ?? [];
  if (found === undefined) {
    if (rule.presence === undefined) return;
    if (rule.ifParentPresent && at(stmt, first.slice(0, -1)) === undefined) return;
    if (rule.presence === 'included') {
      report.issues.push(issue(P.REQUIRED, 'The template requires this property.', first));
    } else {
      report.warnings.push(issue(P.RECOMMENDED, 'The template recommends this property.', first));
    }
    return;
  }
  if (rule.value === undefined) return;
  const expected = valueProblem(rule.value, value);
  if (expected !== undefined) {
    report.issues.push(issue(P.VALUE, 'Value does not fit the template.', found, expected, describe(value)));
  }
}

/** Picks the template for a statement among those sharing its verb (and object type). */
function pickTemplate(
  stmt: Obj,
  candidates: readonly XapiStatementTemplate[],
): XapiStatementTemplate | undefined {
  if (candidates.length === 1) return candidates[0];
  let best: XapiStatementTemplate | undefined;
  let bestScore = 0;
  for (const t of candidates) {
    const score = (t.selectWhenAny ?? []).filter((loc) => at(stmt, loc) !== undefined).length;
    if (score > bestScore) {
      best = t;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Checks a statement against one profile. Returns undefined when the profile does not apply (the
 * statement neither names the profile nor matches one of its templates).
 */
export function checkXapiProfile(stmt: unknown, profile: XapiProfile): XapiProfileReport | undefined {
  if (!isObj(stmt)) return undefined;
  const verbId = at(stmt, ['verb', 'id']);
  const objectType = activityType(stmt.object);
  const categoryPath = ['context', 'contextActivities', 'category'];
  const categories = activities(at(stmt, categoryPath));
  const named = profile.iri === undefined ? undefined : categories.find((a) => a.id === profile.iri);

  const byVerb = profile.templates.filter((t) => t.verb === verbId);
  let candidates = byVerb.filter(
    (t) => t.objectActivityType === undefined || t.objectActivityType === objectType,
  );
  if (candidates.length === 0) {
    if (named === undefined) return undefined;
    // The statement claims the profile: judge it against the verb's templates, object type aside.
    candidates = byVerb;
  }
  const report: XapiProfileReport = { profile: profile.name, issues: [], warnings: [] };
  if (candidates.length === 0) {
    report.issues.push(issue(P.NO_TEMPLATE, 'The profile has no template for this verb.', ['verb', 'id']));
    return report;
  }
  const template = pickTemplate(stmt, candidates);
  if (template === undefined) {
    report.issues.push(
      issue(
        P.NO_TEMPLATE,
        'Several templates share this verb; none of their distinguishing properties is present.',
        ['verb', 'id'],
      ),
    );
    return report;
  }
  report.template = template.id;
  if (template.ralphModel !== undefined) report.ralphModel = template.ralphModel;

  if (profile.iri !== undefined) {
    if (named === undefined) {
      report.issues.push(
        issue(P.CATEGORY, 'The profile IRI must be a category context activity.', categoryPath, profile.iri),
      );
    } else {
      const t = activityType(named);
      if (t !== undefined && t !== XAPI_PROFILE_ACTIVITY_TYPE) {
        report.issues.push(
          issue(
            P.CATEGORY,
            'The profile category activity must have the profile activity type.',
            categoryPath,
            XAPI_PROFILE_ACTIVITY_TYPE,
          ),
        );
      }
    }
  }
  if (template.objectActivityType !== undefined && objectType !== template.objectActivityType) {
    report.issues.push(
      issue(
        P.OBJECT_TYPE,
        'The object is not of the activity type the template requires.',
        ['object', 'definition', 'type'],
        template.objectActivityType,
        describe(objectType),
      ),
    );
  }
  if (template.parentActivityType !== undefined) {
    const parentPath = ['context', 'contextActivities', 'parent'];
    const parents = activities(at(stmt, parentPath));
    if (!parents.some((a) => activityType(a) === template.parentActivityType)) {
      report.issues.push(
        issue(
          P.PARENT,
          'The template requires a parent context activity of a given type.',
          parentPath,
          template.parentActivityType,
        ),
      );
    }
  }
  for (const rule of template.rules) checkRule(stmt, rule, report);
  return report;
}

/**
 * Profile conformance of one statement: one report per profile that applies (none when no known
 * profile applies). Base validity is not re-checked; run validateXapiStatement for that.
 */
export function checkXapiProfiles(stmt: unknown, options: XapiProfileOptions = {}): XapiProfileReport[] {
  const out: XapiProfileReport[] = [];
  for (const profile of XAPI_PROFILES) {
    if (options.profiles !== undefined && !options.profiles.includes(profile.name)) continue;
    const r = checkXapiProfile(stmt, profile);
    if (r !== undefined) out.push(r);
  }
  return out;
}
