/**
 * Validation of edX tracking-log events against the models Ralph defines (openfun/ralph,
 * `ralph.models.edx`, 105 models). Model selection follows Ralph's selector: `event_source` then
 * `event_type`; a server event whose `event_type` equals `context.path` is a page request
 * (`Server`). Strict mode rejects unknown fields as Ralph does; lenient mode allows them.
 */
import type { ErrorObject } from 'ajv';
import type { Issue } from '../issues.js';
import { pointerSegment } from '../issues.js';
import { describeEdxValue, findEdxLoneSurrogates, normalizeEdxRecord } from './parse.js';
import { EDX_MODEL_ENTRIES, edxExpectedOfRef, edxModelValidator } from './schemas.js';
import type { EdxModelEntry } from './schemas.js';
import type { EdxEvent, EdxModelInfo, EdxValidationMode, EdxValidationResult } from './types.js';

type Obj = Record<string, unknown>;

/** Issue codes produced by validation. */
export const EDX_ISSUE = {
  unknownModel: 'EDX_MODEL_UNKNOWN',
  fieldUnknown: 'EDX_FIELD_UNKNOWN',
  fieldMissing: 'EDX_FIELD_MISSING',
  fieldType: 'EDX_FIELD_TYPE',
  fieldValue: 'EDX_FIELD_VALUE',
  fieldName: 'EDX_FIELD_NAME',
  eventJson: 'EDX_EVENT_JSON',
  rule: 'EDX_RULE',
  surrogate: 'EDX_TEXT_SURROGATE',
} as const;

/** Every model: Ralph's class name, family, and the event_source / event_type selecting it. */
export const EDX_MODELS: readonly EdxModelInfo[] = EDX_MODEL_ENTRIES.map(
  ({ name, family, eventSource, eventType, selectedBy }) => ({
    name,
    family,
    eventSource,
    eventType,
    selectedBy,
  }),
);

const serverByType = new Map<string, EdxModelEntry>();
const browserByType = new Map<string, EdxModelEntry>();
const pageRequestModel = EDX_MODEL_ENTRIES.find((m) => m.eventType === null);
for (const m of EDX_MODEL_ENTRIES) {
  if (m.eventType !== null) (m.eventSource === 'server' ? serverByType : browserByType).set(m.eventType, m);
}
/*
 * Ralph walks its server rules in class-name order, so when event_type is both a known type and
 * equal to context.path, the model whose class name sorts first wins (e.g. `Server` beats
 * `ShowAnswer` and the `XBlock*` models).
 */
const sortsBeforePageRequest = new Set(
  EDX_MODEL_ENTRIES.filter((m) => pageRequestModel && m.name < pageRequestModel.name).map((m) => m.name),
);

/** Python `==` on JSON values (missing counts as None; True == 1). */
function pyEquals(a: unknown, b: unknown): boolean {
  const x = a === undefined ? null : typeof a === 'boolean' ? Number(a) : a;
  const y = b === undefined ? null : typeof b === 'boolean' ? Number(b) : b;
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  return (
    kx.length === ky.length && kx.every((k) => Object.hasOwn(y, k) && pyEquals((x as Obj)[k], (y as Obj)[k]))
  );
}

/** The model Ralph would select for a tracking-log record, or undefined (Ralph: UnknownEventException). */
export function selectEdxModel(record: Obj): EdxModelInfo | undefined {
  return selectEntry(record);
}

function selectEntry(record: Obj): EdxModelEntry | undefined {
  const source = record.event_source;
  const type = record.event_type;
  if (source === 'server') {
    const byType = typeof type === 'string' ? serverByType.get(type) : undefined;
    const context = record.context;
    const path = typeof context === 'object' && context !== null ? (context as Obj).path : undefined;
    const isPageRequest = pageRequestModel !== undefined && pyEquals(type, path);
    if (byType && (!isPageRequest || sortsBeforePageRequest.has(byType.name))) return byType;
    return isPageRequest ? pageRequestModel : undefined;
  }
  if (source === 'browser' && typeof type === 'string') return browserByType.get(type);
  return undefined;
}

function expectedOf(node: unknown): string | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const s = node as Obj;
  if (typeof s['x-expected'] === 'string') return s['x-expected'];
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (typeof s.$ref === 'string') return edxExpectedOfRef(s.$ref);
  if (s.type !== undefined) return Array.isArray(s.type) ? s.type.join(' or ') : String(s.type);
  return undefined;
}

function within(path: string, root: string): boolean {
  return path === root || path.startsWith(root + '/');
}

/**
 * Keeps the errors a person needs: for an `anyOf`, the errors of the branch that got deeper into
 * the value when there is one, otherwise the `anyOf` itself with its `x-expected`.
 */
function pruneAnyOf(errors: ErrorObject[]): ErrorObject[] {
  const drop = new Set<number>();
  errors.forEach((error, i) => {
    if (error.keyword !== 'anyOf') return;
    // Ajv reports the branch errors right before the anyOf error, all under the same instance path.
    const subs: number[] = [];
    for (let j = i - 1; j >= 0 && within(errors[j]!.instancePath, error.instancePath); j--) {
      if (!drop.has(j)) subs.push(j);
    }
    const deeper = subs.filter((j) => errors[j]!.instancePath !== error.instancePath);
    if (deeper.length > 0) {
      drop.add(i);
      for (const j of subs) if (!deeper.includes(j)) drop.add(j);
    } else for (const j of subs) drop.add(j);
  });
  return errors.filter((e, i) => !drop.has(i) && e.propertyName === undefined);
}

function toIssue(error: ErrorObject, model: string): Issue {
  const parent = error.parentSchema as Obj | undefined;
  const params = error.params as Obj;
  const data = error.data as unknown;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      return {
        code: EDX_ISSUE.fieldUnknown,
        message: `Field is not part of model ${model} (strict mode rejects unknown fields).`,
        pointer: `${error.instancePath}/${pointerSegment(field)}`,
        expected: 'no such field',
        got: describeEdxValue((data as Obj | undefined)?.[field]),
      };
    }
    case 'required': {
      const field = String(params.missingProperty);
      const properties = parent?.properties as Obj | undefined;
      return {
        code: EDX_ISSUE.fieldMissing,
        message: `Required field is missing (model ${model}).`,
        pointer: `${error.instancePath}/${pointerSegment(field)}`,
        expected: expectedOf(properties?.[field]) ?? 'present',
        got: 'nothing',
      };
    }
    case 'propertyNames':
      return {
        code: EDX_ISSUE.fieldName,
        message: `Field name does not have the required form (model ${model}).`,
        pointer: `${error.instancePath}/${pointerSegment(String(params.propertyName))}`,
        expected: expectedOf(parent?.propertyNames) ?? 'a valid field name',
        got: `field name (${String(params.propertyName).length} chars)`,
      };
    default:
      return {
        code: error.keyword === 'type' ? EDX_ISSUE.fieldType : EDX_ISSUE.fieldValue,
        message: `Value does not match model ${model} (${error.keyword}).`,
        pointer: error.instancePath,
        expected: expectedOf(parent) ?? error.message ?? error.keyword,
        got: describeEdxValue(data),
      };
  }
}

function laxInt(value: unknown): number {
  if (typeof value === 'string') return Number(value.trim().replace(/_/g, ''));
  return Number(value);
}

/** Ralph's extra checks on navigation events: seq_next moves one forward, seq_prev one back. */
function ruleIssues(model: string, event: unknown): Issue[] {
  if (model !== 'UISeqNext' && model !== 'UISeqPrev') return [];
  const e = event as Obj;
  const step = laxInt(e.new) - laxInt(e.old);
  const want = model === 'UISeqNext' ? 1 : -1;
  if (step === want) return [];
  return [
    {
      code: EDX_ISSUE.rule,
      message:
        model === 'UISeqNext' ? 'event.new must be event.old + 1.' : 'event.new must be event.old - 1.',
      pointer: '/event/new',
      expected: model === 'UISeqNext' ? 'old + 1' : 'old - 1',
      got: `a step of ${Number.isFinite(step) ? step : 'NaN'}`,
    },
  ];
}

export interface EdxValidateOptions {
  /** 'strict' (default) matches Ralph; 'lenient' allows unknown fields and IPv6 addresses. */
  mode?: EdxValidationMode;
}

/** Validates a canonical event (from parseEdxLine / normalizeEdxRecord). */
export function validateEdxEvent(event: EdxEvent, options: EdxValidateOptions = {}): EdxValidationResult {
  const mode = options.mode ?? 'strict';
  const record = event.record;
  const entry = selectEntry(record);
  if (!entry) {
    return {
      status: 'unknown',
      issues: [
        {
          code: EDX_ISSUE.unknownModel,
          message: 'No edX model for this event_source and event_type.',
          pointer: '/event_type',
          expected: 'an event_source/event_type pair listed in EDX_MODELS',
          got: describeEdxValue(record.event_type),
        },
      ],
    };
  }

  let data: Obj = record;
  let jsonIssue: Issue | undefined;
  if (entry.eventMayBeJsonString && typeof record.event === 'string') {
    // Ralph accepts these payloads as an object or as a JSON string of one; validate the decoded value.
    let decoded: unknown;
    if (event.payloadEncoding === 'json-string') decoded = event.payload;
    else {
      try {
        decoded = JSON.parse(record.event);
      } catch {
        jsonIssue = {
          code: EDX_ISSUE.eventJson,
          message: 'event is a string but not valid JSON (server events are cut at 512 characters).',
          pointer: '/event',
          expected: 'object or JSON-encoded object',
          got: describeEdxValue(record.event),
        };
      }
    }
    data = { ...record, event: decoded };
    if (jsonIssue) delete data.event;
  }

  if (event.surrogateFree !== true) {
    const pointers = findEdxLoneSurrogates(data);
    if (pointers.length > 0) {
      return {
        status: 'invalid',
        model: entry.name,
        issues: pointers.map((pointer) => ({
          code: EDX_ISSUE.surrogate,
          message:
            'The text holds a lone UTF-16 surrogate (an unpaired \\uD800-\\uDFFF escape), which is not Unicode text.',
          pointer,
          expected: 'Unicode text',
        })),
      };
    }
  }

  const validate = edxModelValidator(entry, mode);
  const ok = validate(data);
  const issues: Issue[] = [];
  if (!ok && validate.errors) {
    const seen = new Set<string>();
    for (const error of pruneAnyOf(validate.errors)) {
      const issue = toIssue(error, entry.name);
      if (jsonIssue && issue.pointer === '/event') continue;
      const key = issue.pointer + ' ' + issue.code;
      if (seen.has(key)) continue;
      seen.add(key);
      issues.push(issue);
    }
  }
  if (jsonIssue) issues.push(jsonIssue);
  if (!issues.some((i) => i.pointer.startsWith('/event/') || i.pointer === '/event')) {
    issues.push(...ruleIssues(entry.name, data.event));
  }
  return { status: issues.length === 0 ? 'valid' : 'invalid', model: entry.name, issues };
}

/** Normalises a parsed edX object (either input shape) and validates it. */
export function validateEdxRecord(record: unknown, options: EdxValidateOptions = {}): EdxValidationResult {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return {
      status: 'unknown',
      issues: [
        {
          code: EDX_ISSUE.unknownModel,
          message: 'An edX event must be a JSON object.',
          pointer: '',
          expected: 'object',
          got: describeEdxValue(record),
        },
      ],
    };
  }
  return validateEdxEvent(normalizeEdxRecord(record as Obj), options);
}
